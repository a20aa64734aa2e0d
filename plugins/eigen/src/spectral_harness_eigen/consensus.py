"""A decentralised eigen-solver: our well-defined version of Katende (arXiv 2409.06746).

The paper describes agents that each hold part of the matrix, refine a local estimate of the
smallest eigenvalue and exchange it with neighbours under delays and dropped links, without an
algorithm precise enough to reimplement. We state one:

* the n rows are split into ``agents`` contiguous blocks; agent i owns rows R_i and the entries
  x_{R_i} of the iterate (its "local model": a linear one, the paper's per-agent network
  reduced to its last layer);
* each round, agent i receives the blocks x_{R_j} it needs (the blocks its rows touch); a
  message is lost with probability ``drop`` (the agent keeps its older copy) and is ``delay``
  rounds old at most (uniform 0..delay);
* it computes its share y_i = c x_i − A_{R_i} x̃ of a power step on cI − A (c the Gershgorin
  upper bound, so the lowest eigenvalue of A is the dominant one of cI − A);
* the agents rescale by a max-consensus of max|y_i| over the communication graph (``ring`` or
  an Erdős–Rényi ``random`` graph, ``gossip_steps`` rounds, same loss model), and estimate the
  Rayleigh quotient x·Ax / x·x by average consensus (Metropolis weights) of their local terms;
* it stops when every agent's estimate moved less than ``tol`` (relative) for 10 rounds, or at
  the matvec budget. The answer is the mean of the agents' estimates and the assembled iterate;
  the spread of the agents' estimates is reported as a diagnostic.

Each round costs one matvec in total (the agents' row blocks together).
"""

from __future__ import annotations

import numpy as np

from spectral_harness_eigen.contract import EigenProblem, EigenResult

PATIENCE = 10


def communication_graph(agents: int, topology: str, rng: np.random.Generator) -> np.ndarray:
    """Boolean adjacency of the agents: a ring, or a connected Erdős–Rényi graph (p = 3/agents,
    a ring added so that it is connected)."""
    ring = np.zeros((agents, agents), dtype=bool)
    idx = np.arange(agents)
    ring[idx, (idx + 1) % agents] = ring[(idx + 1) % agents, idx] = True
    if topology == "ring":
        return ring & ~np.eye(agents, dtype=bool)
    if topology != "random":
        raise ValueError(f"unknown topology {topology!r}; use ring or random")
    extra = rng.random((agents, agents)) < min(1.0, 3.0 / agents)
    extra = np.triu(extra, 1)
    return (ring | extra | extra.T) & ~np.eye(agents, dtype=bool)


def metropolis_weights(adjacency: np.ndarray) -> np.ndarray:
    """Doubly stochastic Metropolis–Hastings weights W_ij = 1/(1 + max(d_i, d_j)) on edges."""
    degree = adjacency.sum(axis=1)
    w = np.where(adjacency, 1.0 / (1.0 + np.maximum(degree[:, None], degree[None, :])), 0.0)
    return w + np.diag(1.0 - w.sum(axis=1))


class ConsensusSolver:
    """The decentralised power/Rayleigh-quotient solver described in the module docstring."""

    def __init__(
        self, agents: int, topology: str, drop: float, delay: int, gossip_steps: int
    ) -> None:
        self.agents = agents
        self.topology = topology
        self.drop = drop
        self.delay = delay
        self.gossip_steps = gossip_steps

    def __call__(self, problem: EigenProblem) -> EigenResult:
        """Estimate the lowest eigenpair (k = 1, which = SA) of a Hermitian operator."""
        if not problem.hermitian or problem.which != "SA" or problem.k != 1:
            raise ValueError("the consensus solver finds the lowest eigenpair (k=1, SA) only")
        op = problem.operator
        n = op.shape[0]
        rng = np.random.default_rng(problem.seed)
        agents = min(self.agents, n)
        blocks = np.array_split(np.arange(n), agents)
        owner = np.concatenate([np.full(len(b), i) for i, b in enumerate(blocks)])
        graph = communication_graph(agents, self.topology, rng)
        weights = metropolis_weights(graph)
        shift = op.bounds()[1]
        window = self.delay + 1
        x = rng.standard_normal(n)
        x /= np.abs(x).max()
        past = [x.copy() for _ in range(window)]  # past[d]: the iterate d rounds ago
        age = np.zeros((agents, agents), dtype=int)  # age[i, j]: how old i's copy of block j is
        estimates = np.zeros(agents)
        quiet = 0
        history: list[tuple[float, np.ndarray]] = []
        messages = 0
        while op.matvecs < problem.max_matvecs:
            arrived = rng.random((agents, agents)) >= self.drop
            lag = rng.integers(0, self.delay + 1, size=(agents, agents))
            age = np.where(arrived, np.minimum(age + 1, lag), age + 1)
            np.fill_diagonal(age, 0)
            messages += int(arrived.sum()) - agents
            y = np.empty(n)
            local_num = np.empty(agents)
            local_den = np.empty(agents)
            stacked = np.stack(past)
            for i, rows in enumerate(blocks):
                view = stacked[np.minimum(age[i, owner], window - 1), np.arange(n)]
                ax = op.rows_matvec(rows, view)
                y[rows] = shift * x[rows] - ax
                local_num[i] = x[rows] @ ax
                local_den[i] = x[rows] @ x[rows]
            scale = self._max_consensus(np.array([np.abs(y[b]).max() for b in blocks]), graph, rng)
            num = self._average_consensus(local_num, weights, rng)
            den = self._average_consensus(local_den, weights, rng)
            new = num / np.where(den > 0, den, 1.0)
            moved = np.abs(new - estimates).max() <= problem.tol * max(np.abs(new).max(), 1e-12)
            quiet = quiet + 1 if moved else 0
            estimates = new
            x = y / np.where(scale[owner] > 0, scale[owner], 1.0)
            past = [x.copy(), *past[:-1]]
            history.append((op.matvecs, np.array([estimates.mean()])))
            if quiet >= PATIENCE:
                break
        vector = x / np.linalg.norm(x)
        info = {"agent_spread": float(np.ptp(estimates)), "messages": float(messages)}
        return EigenResult(np.array([estimates.mean()]), vector[:, None], history, info)

    def _max_consensus(
        self, values: np.ndarray, graph: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        current = values.copy()
        for _ in range(self.gossip_steps):
            heard = graph & (rng.random(graph.shape) >= self.drop)
            current = np.maximum(current, np.where(heard, current[None, :], -np.inf).max(axis=1))
        return current

    def _average_consensus(
        self, values: np.ndarray, weights: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        current = values * len(values)  # consensus on the sum: every agent needs Σ, not the mean
        for _ in range(self.gossip_steps):
            lost = (rng.random(weights.shape) < self.drop) & (weights > 0)
            np.fill_diagonal(lost, False)
            w = np.where(lost, 0.0, weights)
            w += np.diag(1.0 - w.sum(axis=1))  # a lost message: the agent keeps its own value
            current = w @ current
        return current
