"""A bank of source LoRA adapters for EigenLoRAx, trained with this family's own ``lora`` method
on six tasks related to sentiment that the same VADER-lexicon sentences offer, and the task
``sentiment_lora_bank``: the sentiment task of :mod:`.task`, with the bank handed to the method.

The source tasks label sentences drawn from the same templates and subjects as the sentiment
data, with sentiment words from the *training* half of the lexicon only (the target's test words
stay unseen by the sources too):

* ``first_polarity`` / ``last_polarity``: the lexicon sign of the first / last sentiment word,
  ignoring negation and contrast (the lexical prior the target must learn to overrule);
* ``negation``: the sentence negates ("not", "never"); ``contrast``: it has a "but" clause;
* ``topic``: its subject is food, lodging or travel service (8 of the 16 subjects) or not;
* ``intensity``: VADER's |compound| > 0.6 (strong rather than mild sentiment).

Each source adapter (rank ``source_rank`` on query and value, peft's LoRA through
:func:`adapters.build_lora`) trains with its own head for ``source_epochs`` passes over
``n_source`` balanced sentences. The bank does not depend on the run's seed (it plays the part of
the public adapters the paper recycles) and is cached by its inputs' checksums.
"""

from __future__ import annotations

import math
import random
from typing import Any

import torch
from torch import nn

from harness import ContentCache, RunContext
from spectral_harness_peft.adapters import build_lora
from spectral_harness_peft.assets import Asset, resolve_asset
from spectral_harness_peft.bank_contract import BankAdaptProblem
from spectral_harness_peft.bert import linear_names, load_bert
from spectral_harness_peft.contract import AdaptProblem
from spectral_harness_peft.task import Classifier, accuracy, run_sentiment
from spectral_harness_peft.text import BOOSTERS, SUBJECTS, TEMPLATES, lexicon_words, split_half
from spectral_harness_peft.text import tokenize as tokenize_text

SOURCE_TASKS = ("first_polarity", "last_polarity", "negation", "contrast", "topic", "intensity")
TOPIC = {
    "the food",
    "the service",
    "the hotel",
    "my flight",
    "the staff",
    "the apartment",
    "the meal",
    "the trip",
}
NEGATED, CONTRASTED, TWO_WORDS = {1, 5}, {3, 4}, {3, 4, 6}
BANK_VERSION = 1
HELD_OUT = 256


def source_labels(task: str, fields: dict[str, Any], compound: float) -> int:
    """The label (0/1) of a drawn sentence (its template index, words and subject) for ``task``."""
    last = fields["w2"] if fields["template"] in TWO_WORDS else fields["w"]
    labels = {
        "first_polarity": fields["valence"][fields["w"]] > 0,
        "last_polarity": fields["valence"][last] > 0,
        "negation": fields["template"] in NEGATED,
        "contrast": fields["template"] in CONTRASTED,
        "topic": fields["s"] in TOPIC,
        "intensity": abs(compound) > 0.6,
    }
    return int(labels[task])


def source_sentences(asset: Asset, task: str, n: int, seed: int) -> tuple[list[str], list[int]]:
    """``n`` class-balanced sentences for source ``task`` with training-half sentiment words."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    scorer = SentimentIntensityAnalyzer()
    valence = {w: v for w, v in lexicon_words(asset, 1.0, 1.2) if split_half(w) == "train"}
    pool = sorted(valence)
    rng = random.Random(f"source:{task}:{seed}")
    kept: dict[int, list[str]] = {0: [], 1: []}
    seen: set[str] = set()
    while min(len(v) for v in kept.values()) < (n + 1) // 2:
        s, s2 = rng.sample(SUBJECTS, 2)
        template = rng.randrange(len(TEMPLATES))
        fields = {"s": s, "w": rng.choice(pool), "w2": rng.choice(pool), "template": template}
        text = TEMPLATES[template].format(s2=s2, b=rng.choice(BOOSTERS), **fields)
        if text in seen:
            continue
        seen.add(text)
        compound = scorer.polarity_scores(text)["compound"]
        label = source_labels(task, {**fields, "valence": valence}, compound)
        if len(kept[label]) < (n + 1) // 2:
            kept[label].append(text)
    pairs = [(t, label) for label in (0, 1) for t in kept[label]]
    rng.shuffle(pairs)
    return [t for t, _ in pairs[:n]], [label for _, label in pairs[:n]]


def train_source(cfg: Any, task: str) -> tuple[dict[str, dict[str, torch.Tensor]], float]:
    """Train one source LoRA (this family's ``lora`` method) on ``task``; its factors per layer
    (``A`` (r, d_in), ``B`` (d_out, r)) and its accuracy on held-out sentences of the task."""
    from spectral_harness_peft import LoraConfig

    minilm, vader = resolve_asset("minilm"), resolve_asset("vader")
    text, labels = source_sentences(vader, task, cfg.n_source + HELD_OUT, cfg.data_seed)
    ids, mask = tokenize_text(minilm, text, cfg.max_len)
    y = torch.tensor(labels)
    torch.manual_seed(cfg.data_seed)
    encoder = load_bert(minilm)
    lora_cfg = LoraConfig(rank=cfg.source_rank, alpha=cfg.source_alpha, lr=cfg.source_lr)
    steps = cfg.source_epochs * math.ceil(cfg.n_source / cfg.batch_size)
    problem = AdaptProblem(encoder, tuple(linear_names(encoder)), None, None, cfg.data_seed, steps)
    adapted = build_lora(lora_cfg, problem)
    head = nn.Linear(encoder.shape.hidden, 2)
    model = Classifier(adapted.encoder, head)
    optimizer = torch.optim.Adam(
        [*adapted.groups, {"params": list(head.parameters())}], cfg.head_lr
    )
    generator = torch.Generator().manual_seed(cfg.data_seed)
    n = cfg.n_source
    for _ in range(cfg.source_epochs):
        model.train()
        perm = torch.randperm(n, generator=generator)
        for i in range(0, n, cfg.batch_size):
            rows = perm[i : i + cfg.batch_size]
            optimizer.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(model(ids[rows], mask[rows]), y[rows]).backward()
            optimizer.step()
    held = (ids[n:], mask[n:], y[n:])
    score = accuracy(model, held, cfg.batch_size * 4, "cpu")
    factors = {
        name: {
            "A": module.lora_A["default"].weight.detach().clone(),
            "B": module.lora_B["default"].weight.detach().clone(),
        }
        for name, module in adapted.encoder.named_modules()
        if hasattr(module, "lora_A")
    }
    return factors, score


def stack_bank(adapters: list[dict[str, dict[str, torch.Tensor]]]) -> dict[str, dict[str, Any]]:
    """Per layer, the sources' A rows and B columns stacked as columns: a (d_in, N r), b
    (d_out, N r)."""
    return {
        name: {
            "a": torch.cat([a[name]["A"].T for a in adapters], dim=1),
            "b": torch.cat([a[name]["B"] for a in adapters], dim=1),
        }
        for name in adapters[0]
    }


def lora_bank(cfg: Any, ctx: RunContext) -> dict[str, Any]:
    """The bank (``layers``: :func:`stack_bank`; ``accuracy``: each source's held-out accuracy),
    built once and cached by the assets' checksums and the source settings."""
    minilm, vader = resolve_asset("minilm"), resolve_asset("vader")
    key = {
        "version": BANK_VERSION,
        "minilm": minilm.checksums,
        "vader": vader.checksums,
        "tasks": SOURCE_TASKS,
        **{
            f: getattr(cfg, f)
            for f in (
                "n_source",
                "source_epochs",
                "source_rank",
                "source_alpha",
                "source_lr",
                "head_lr",
                "batch_size",
                "max_len",
                "data_seed",
            )
        },
    }

    def create() -> dict[str, Any]:
        with torch.random.fork_rng():
            trained = [train_source(cfg, task) for task in SOURCE_TASKS]
        return {
            "layers": stack_bank([factors for factors, _ in trained]),
            "accuracy": {task: trained[i][1] for i, task in enumerate(SOURCE_TASKS)},
        }

    cache = ContentCache(ctx.settings.cache_dir, "peft_lora_bank")
    return cache.get_or_create(key, create)


def run_bank_sentiment(cfg: Any, ctx: RunContext, build: Any) -> dict[str, float]:
    """The sentiment task (:func:`task.run_sentiment`) with the bank in the method's problem;
    adds each source adapter's held-out accuracy as ``source_accuracy_<task>``."""
    bank = lora_bank(cfg, ctx)

    def build_with_bank(problem: AdaptProblem) -> Any:
        return build(
            BankAdaptProblem(
                problem.encoder,
                problem.linears,
                problem.probe,
                problem.probe_output,
                problem.seed,
                problem.steps,
                bank["layers"],
            )
        )

    metrics = run_sentiment(cfg, ctx, build_with_bank)
    return {**metrics, **{f"source_accuracy_{k}": v for k, v in bank["accuracy"].items()}}
