"""Sparse Spectral Training and its baselines on the tiny GPT: SST's U diag(s) Vᵀ equals the dense
weight at initialisation and after every re-SVD, its sampled vectors get the enhanced gradient,
its optimizer state restarts each round; LoRA and ReLoRA* start at the dense model and a ReLoRA
merge keeps the weight; perplexity is exp(mean NLL); bad configs are refused in one line."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from harness.testing import assert_refused, check_smoke_cell
from spectral_harness_peft import lowrank, sst
from spectral_harness_peft.lm_task import warmup_cosine, windows
from spectral_harness_peft.pretrain_contract import PretrainProblem, check_pretrainer
from spectral_harness_peft.tiny_gpt import (
    GptShape,
    TinyGpt,
    block_linears,
    corpus_text,
    encode,
    load_corpus,
    perplexity,
)

SHAPE = GptShape(vocab=11, width=16, layers=2, heads=2, mlp=64, context=8)
CONFIGS = {
    "full_rank": SimpleNamespace(),
    "lora_pretrain": SimpleNamespace(rank=2, alpha=4.0),
    "relora": SimpleNamespace(rank=2, alpha=4.0, merge_every=2),
    "sst": SimpleNamespace(rank=3, round_steps=2),
}
BUILDERS = {
    "full_rank": lowrank.build_full_rank,
    "lora_pretrain": lowrank.build_lora_pretrain,
    "relora": lowrank.build_relora,
    "sst": sst.build_sst,
}


def _problem(seed: int = 0) -> PretrainProblem:
    torch.manual_seed(seed)
    model = TinyGpt(SHAPE)
    probe = torch.randint(0, SHAPE.vocab, (2, SHAPE.context))
    with torch.no_grad():
        output = model(probe)
    return PretrainProblem(model, tuple(block_linears(model)), probe, output, seed, 10)


def _train(component, problem, steps: int) -> torch.optim.Optimizer:
    params = [p for p in component.model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=1e-2)
    for i in range(1, steps + 1):
        optimizer.zero_grad()
        component.model(problem.probe).logsumexp(-1).mean().backward()
        optimizer.step()
        if component.after_step is not None:
            component.after_step(i, optimizer)
    return optimizer


@pytest.mark.parametrize("method", sorted(BUILDERS))
def test_every_pretrainer_starts_at_the_dense_model(method):
    problem = _problem()
    component = BUILDERS[method](CONFIGS[method], problem)
    with torch.no_grad():
        check_pretrainer(component, problem)


def test_sst_weight_is_the_dense_weight_at_init_and_after_resvd():
    torch.manual_seed(0)
    base = nn.Linear(12, 7)
    layer = sst.SparseSpectralLinear(base, 3, torch.Generator().manual_seed(0))
    assert torch.allclose(layer.weight(), base.weight, atol=1e-6)
    with torch.no_grad():  # move the trained tensors, as training would
        layer.s.mul_(1.5)
        layer.u_sel.add_(0.1 * torch.randn_like(layer.u_sel))
        layer.v_sel.add_(0.1 * torch.randn_like(layer.v_sel))
    before = layer.weight().detach().clone()
    layer.resvd()
    assert torch.allclose(layer.weight(), before, atol=1e-5)
    eye = torch.eye(7)
    assert torch.allclose(layer.u.T @ layer.u, eye, atol=1e-5)
    assert torch.allclose(layer.v.T @ layer.v, eye, atol=1e-5)
    assert bool((layer.s[:-1] >= layer.s[1:]).all()) and bool((layer.s >= 0).all())
    assert torch.equal(layer.u_sel, layer.u[:, layer.index])


def test_sst_gives_the_sampled_vectors_the_enhanced_gradient():
    torch.manual_seed(0)
    layer = sst.SparseSpectralLinear(nn.Linear(6, 5), 2, torch.Generator().manual_seed(1))
    x = torch.randn(4, 6)
    target = torch.randn(4, 5)
    dense = layer.weight().detach().requires_grad_(True)
    ((x @ dense.T - target) ** 2).sum().backward()
    ((layer(x) - layer.bias - target) ** 2).sum().backward()
    i = layer.index
    u, v = layer.full_factors()
    assert torch.allclose(layer.u_sel.grad, dense.grad @ v[:, i].detach(), atol=1e-5)
    assert torch.allclose(layer.v_sel.grad, dense.grad.T @ u[:, i].detach(), atol=1e-5)
    expected_s = torch.diag(u.detach().T @ dense.grad @ v.detach())
    assert torch.allclose(layer.s.grad, expected_s, atol=1e-5)


def test_sst_samples_distinct_indices_favouring_large_singular_values():
    torch.manual_seed(0)
    layer = sst.SparseSpectralLinear(nn.Linear(8, 8), 2, torch.Generator().manual_seed(0))
    counts = torch.zeros(8)
    with torch.no_grad():
        layer.s.copy_(torch.tensor([100.0, 50.0, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3]))
    for _ in range(50):
        layer.sample()
        assert layer.index.unique().numel() == 2
        counts[layer.index] += 1
    assert counts[0] == 50 and counts[1] >= 48


def test_sst_trains_s_and_sampled_vectors_and_restarts_their_state_each_round():
    problem = _problem()
    component = sst.build_sst(CONFIGS["sst"], problem)
    layer = component.model.get_submodule(problem.linears[0])
    own = {id(p) for p in layer.parameters() if p.requires_grad}
    assert own == {id(t) for t in layer.trained()} | {id(layer.bias)}
    assert layer.u_sel.shape == (16, 3) and "u" in dict(layer.named_buffers())
    optimizer = _train(component, problem, 1)  # step 1 of a 2-step round
    assert layer.s in optimizer.state and layer.u_sel in optimizer.state
    _train_more(component, problem, optimizer, step=2)  # the round ends: re-SVD, fresh state
    assert layer.s not in optimizer.state and layer.u_sel not in optimizer.state
    assert torch.allclose(layer.u.T @ layer.u, torch.eye(16), atol=1e-5)


def _train_more(component, problem, optimizer, step: int) -> torch.optim.Optimizer:
    optimizer.zero_grad()
    component.model(problem.probe).logsumexp(-1).mean().backward()
    optimizer.step()
    component.after_step(step, optimizer)
    return optimizer


def test_relora_merge_keeps_the_weight_and_restarts_the_factors():
    problem = _problem()
    component = lowrank.build_relora(CONFIGS["relora"], problem)
    layer = component.model.get_submodule(problem.linears[0])
    optimizer = _train(component, problem, 1)
    before = layer.weight().detach().clone()
    assert layer.b.abs().max() > 0
    component.after_step(2, optimizer)
    assert torch.allclose(layer.weight(), before, atol=1e-6)
    assert layer.b.abs().max() == 0 and layer.a not in optimizer.state


def test_perplexity_is_exp_of_the_mean_nll_on_a_hand_case():
    class Fixed(nn.Module):
        """Predicts token 0 with probability 1/2 and tokens 1, 2 with 1/4 each, anywhere."""

        def forward(self, ids):
            logits = torch.log(torch.tensor([0.5, 0.25, 0.25]))
            return logits.expand(*ids.shape, 3)

    data = torch.tensor([[0, 0, 1], [2, 0, 0]])  # targets 0, 1 | 0, 0 → NLL ln2, ln4, ln2, ln2
    expected = math.exp((3 * math.log(2) + math.log(4)) / 4)
    assert math.isclose(perplexity(Fixed(), data, batch=1), expected, rel_tol=1e-6)
    assert math.isclose(expected, 2**1.25)


def test_corpus_is_the_standard_library_help_text_with_its_checksum():
    text, source = corpus_text()
    corpus = load_corpus()
    assert source.startswith("pydoc_data.topics") and len(text) > 100_000
    assert corpus.ids.numel() == len(text) and "".join(sorted(set(text))) == corpus.alphabet
    ids, alphabet = encode("abca")
    assert alphabet == "abc" and ids.tolist() == [0, 1, 2, 0]
    assert windows(torch.arange(10), 3, 5).tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_warmup_then_cosine_to_zero():
    factor = warmup_cosine(100, 0.1)
    assert math.isclose(factor(0), 0.1) and math.isclose(factor(9), 1.0)
    assert math.isclose(factor(10), 1.0) and factor(100) < 1e-12


@pytest.mark.parametrize(
    ("method", "override", "value"),
    [("sst", "rank", 0), ("sst", "round_steps", 0), ("relora", "merge_every", 0)],
)
def test_bad_pretrainer_config_is_refused_in_one_line(method, override, value):
    assert_refused("tiny_gpt_pretrain", method, method_overrides={override: value})


def test_heads_that_do_not_divide_the_width_are_refused_in_one_line():
    assert_refused(
        "tiny_gpt_pretrain",
        "sst",
        task_overrides={"width": 30, "heads": 4},
        match="^task.width=30 must be a multiple of task.heads=4",
    )


@pytest.mark.slow
@pytest.mark.parametrize("method", sorted(BUILDERS))
def test_pretrainer_smoke_cell(method, harness_settings):
    record = check_smoke_cell("tiny_gpt_pretrain", method, settings=harness_settings)
    assert record.metrics["val_perplexity"] > 1 and record.metrics["trainable_params"] > 0
    assert any(key.startswith("corpus:pydoc_data.topics") for key in record.data)
