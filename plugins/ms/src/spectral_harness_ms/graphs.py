"""Molecular graphs for GrAFF-MS: RDKit one-hot features, Laplacian eigenpairs, virtual node.

The eigen helper is local to this plugin (a shared ``harness/eigen.py`` did not exist when this
was written); it should move to the host once one does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness import graph_eigenpairs

ATOM_NUMBERS = (6, 1, 7, 8, 15, 16, 9, 17, 35, 53)
DEGREES = tuple(range(7))
CHARGES = (-1, 0, 1)
NUM_HS = tuple(range(5))
HYBRIDIZATIONS = ("S", "SP", "SP2", "SP3", "SP3D", "SP3D2")
CHIRALITY = ("CHI_UNSPECIFIED", "CHI_TETRAHEDRAL_CW", "CHI_TETRAHEDRAL_CCW")
BOND_TYPES = ("SINGLE", "DOUBLE", "TRIPLE", "AROMATIC")
STEREO = ("STEREONONE", "STEREOZ", "STEREOE", "STEREOANY")


def _one_hot(value: object, choices: tuple) -> list[float]:
    """One-hot with a trailing "other" slot."""
    out = [0.0] * (len(choices) + 1)
    out[choices.index(value) if value in choices else len(choices)] = 1.0
    return out


ATOM_DIM = (
    len(ATOM_NUMBERS)
    + len(DEGREES)
    + len(CHARGES)
    + len(NUM_HS)
    + len(HYBRIDIZATIONS)
    + len(CHIRALITY)
    + 3  # aromatic, in ring, radical electrons
    + 1  # virtual-node flag
)
BOND_DIM = len(BOND_TYPES) + len(STEREO) + 2 + 2 + 1  # + conjugated, in ring, virtual flag


def laplacian_eigenpairs(
    num_nodes: int, edges: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` lowest non-trivial eigenpairs of the symmetric normalised Laplacian
    ``I - D^-1/2 A D^-1/2``: returns ``(values (k,), vectors (n, k))`` zero-padded when the graph
    has fewer than ``k + 1`` nodes. Each vector has unit norm; its sign is arbitrary (SignNet
    handles it). Computed by the host's shared solver (:mod:`harness.eigen`).
    """
    values = np.zeros(k, dtype=np.float32)
    vectors = np.zeros((num_nodes, k), dtype=np.float32)
    if num_nodes < 2:
        return values, vectors
    lam, vec = graph_eigenpairs(np.asarray(edges).reshape(-1, 2).T, num_nodes, d=k + 1, kind="sym")
    take = min(k, num_nodes - 1)
    values[:take] = lam[1 : 1 + take].numpy()
    vectors[:, :take] = vec[:, 1 : 1 + take].numpy()
    return values, vectors


@dataclass
class MolGraph:
    """Arrays of one molecule with its virtual node appended as the last node."""

    x: np.ndarray  # (n + 1, ATOM_DIM)
    edge_index: np.ndarray  # (2, m) directed, both directions
    edge_attr: np.ndarray  # (m, BOND_DIM)
    eigvals: np.ndarray  # (k,)
    eigvecs: np.ndarray  # (n + 1, k); zero on the virtual node
    eig_mask: np.ndarray  # (k,) 1 where a real eigenpair exists


def featurize(smiles: str, k: int) -> MolGraph:
    """RDKit one-hot atoms and bonds, explicit hydrogens kept implicit, plus a virtual node."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"RDKit cannot parse {smiles!r}")
    atoms = []
    for atom in mol.GetAtoms():
        atoms.append(
            _one_hot(atom.GetAtomicNum(), ATOM_NUMBERS)[:-1]
            + _one_hot(atom.GetDegree(), DEGREES)[:-1]
            + _one_hot(atom.GetFormalCharge(), CHARGES)[:-1]
            + _one_hot(atom.GetTotalNumHs(), NUM_HS)[:-1]
            + _one_hot(str(atom.GetHybridization()), HYBRIDIZATIONS)[:-1]
            + _one_hot(str(atom.GetChiralTag()), CHIRALITY)[:-1]
            + [float(atom.GetIsAromatic()), float(atom.IsInRing()), atom.GetNumRadicalElectrons()]
            + [0.0]
        )
    n = len(atoms)
    virtual = [0.0] * (ATOM_DIM - 1) + [1.0]
    x = np.array([*atoms, virtual], dtype=np.float32)
    pairs, attrs = [], []
    for bond in mol.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        attr = (
            _one_hot(str(bond.GetBondType()), BOND_TYPES)[:-1]
            + _one_hot(str(bond.GetStereo()), STEREO)[:-1]
            + [float(bond.GetIsConjugated()), 1.0 - float(bond.GetIsConjugated())]
            + [float(bond.IsInRing()), 1.0 - float(bond.IsInRing())]
            + [0.0]
        )
        pairs += [(i, j), (j, i)]
        attrs += [attr, attr]
    bond_pairs = np.array(pairs[::2], dtype=np.int64).reshape(-1, 2)
    virtual_attr = [0.0] * (BOND_DIM - 1) + [1.0]
    for i in range(n):
        pairs += [(i, n), (n, i)]
        attrs += [virtual_attr, virtual_attr]
    eigvals, eigvecs = laplacian_eigenpairs(n, bond_pairs, k)
    eig_mask = np.zeros(k, dtype=np.float32)
    eig_mask[: min(k, max(n - 1, 0))] = 1.0
    return MolGraph(
        x=x,
        edge_index=np.array(pairs, dtype=np.int64).reshape(-1, 2).T.copy(),
        edge_attr=np.array(attrs, dtype=np.float32).reshape(-1, BOND_DIM),
        eigvals=eigvals,
        eigvecs=np.concatenate([eigvecs, np.zeros((1, k), dtype=np.float32)], axis=0),
        eig_mask=eig_mask,
    )
