"""The MiniLM encoder: the package's weights load into our BERT, which matches transformers'
BertModel; the tokenizer and the VADER-labelled sentences."""

from __future__ import annotations

import pytest
import torch

from spectral_harness_peft.assets import resolve_asset
from spectral_harness_peft.bert import linear_names, load_bert, module_kind
from spectral_harness_peft.text import lexicon_words, make_sentences, split_half, tokenize


@pytest.fixture(scope="module")
def minilm():
    return resolve_asset("minilm")


@pytest.fixture(scope="module")
def vader():
    return resolve_asset("vader")


def test_tokens_start_with_cls_and_end_with_sep(minilm):
    ids, mask = tokenize(minilm, ["the movie was great.", "bad"], max_len=16)
    assert ids[0, 0] == 101 and ids[0, int(mask[0].sum()) - 1] == 102
    assert mask[1].sum() == 3 and ids.shape == mask.shape


def test_minilm_has_36_linears_of_six_kinds(minilm):
    encoder = load_bert(minilm)
    names = linear_names(encoder)
    assert len(names) == 36
    assert {module_kind(n) for n in names} == {
        "query",
        "key",
        "value",
        "attention.output",
        "intermediate",
        "output",
    }


@pytest.mark.slow
def test_our_bert_matches_transformers_bert_model(minilm):
    from transformers import BertConfig, BertModel

    config = BertConfig.from_json_file(str(minilm.file("config.json")))
    reference = BertModel(config, add_pooling_layer=False).eval()
    from safetensors.torch import load_file

    state = load_file(str(minilm.file("model.safetensors")))
    reference.load_state_dict(
        {k: v for k, v in state.items() if not k.startswith("pooler")}, strict=False
    )
    ours = load_bert(minilm)
    ids, mask = tokenize(minilm, ["a short one.", "the service was not terrible at all."], 32)
    with torch.no_grad():
        expected = reference(input_ids=ids, attention_mask=mask).last_hidden_state
        got = ours.tokens(ids, mask)
    keep = mask.bool()
    assert torch.allclose(got[keep], expected[keep], atol=1e-4)


def test_similar_sentences_embed_closer_than_unrelated_ones(minilm):
    encoder = load_bert(minilm)
    ids, mask = tokenize(
        minilm, ["the film was wonderful.", "the movie was great.", "my tax form is late."], 16
    )
    with torch.no_grad():
        e = torch.nn.functional.normalize(encoder(ids, mask), dim=-1)
    assert e[0] @ e[1] > e[0] @ e[2] + 0.2


def test_train_and_test_sentiment_words_are_disjoint(vader):
    words = [w for w, _ in lexicon_words(vader, 1.0, 1.2)]
    train = {w for w in words if split_half(w) == "train"}
    test = set(words) - train
    assert len(train) > 300 and len(test) > 300
    sentences = make_sentences(vader, "test", 60, seed=0)
    for text in sentences.text:
        assert not (set(text.replace(",", " ").replace(".", " ").split()) & train)


def test_sentences_are_balanced_and_labelled_by_vader(vader):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    data = make_sentences(vader, "train", 80, seed=3)
    assert sum(data.labels) == 40 and len(set(data.text)) == 80
    scorer = SentimentIntensityAnalyzer()
    for text, label in zip(data.text, data.labels, strict=True):
        assert (scorer.polarity_scores(text)["compound"] > 0) == bool(label)
    assert make_sentences(vader, "train", 80, seed=3) == data
