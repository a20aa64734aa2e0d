"""A user's own test spectra (``task.external_test``): MGF, MSP and MassBank records, written by
the tests, read through matchms into the MassBank subset's pipeline, training structures removed."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from harness import UserError
from spectral_harness_ms.chem import ion_mz, parse_formula
from spectral_harness_ms.data import Filters
from spectral_harness_ms.external import file_format, load_external, remove_overlap

# name, SMILES, neutral formula, adduct, instrument type, energy, products (ion formulas)
ENTRIES = [
    ("caffeine", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "C8H10N4O2", "[M+H]+", "LC-ESI-QTOF", "20 V",
     ["C6H8N3O", "C5H8N3"]),
    ("benzoic acid", "OC(=O)c1ccccc1", "C7H6O2", "[M-H]-", "LC-ESI-QTOF", "30-50",
     ["C6H5"]),
    ("toluic acid", "Cc1ccc(cc1)C(O)=O", "C8H8O2", "[M+Na]+", "LC-ESI-QTOF", "20",
     ["C8H7O"]),
    ("glycine", "NCC(O)=O", "C2H5NO2", "[M+H]+", "LC-ESI-QQ", "10", ["CH4N"]),
]  # fmt: skip


def _peaks(adduct: str, products: list[str]) -> list[tuple[float, float]]:
    charge = -1 if adduct.endswith("-") else 1
    return [
        (float(ion_mz(parse_formula(p), charge)), 100.0 / (i + 1)) for i, p in enumerate(products)
    ]


def write_mgf(path: Path, entries=ENTRIES) -> Path:
    """An MGF as MassBank exports it (PRECURSOR_TYPE, INSTRUMENT_TYPE, COLLISION_ENERGY keys)."""
    blocks = []
    for name, smiles, _formula, adduct, itype, ce, products in entries:
        lines = ["BEGIN IONS", f"TITLE={name}", f"SMILES={smiles}", f"PRECURSOR_TYPE={adduct}"]
        lines += [f"INSTRUMENT_TYPE={itype}", f"COLLISION_ENERGY={ce}", "PEPMASS=200.0"]
        lines += [f"{mz:.6f} {i:.3f}" for mz, i in _peaks(adduct, products)]
        blocks.append("\n".join([*lines, "END IONS", ""]))
    path.write_text("\n".join(blocks))
    return path


def write_massbank(path: Path, entries=ENTRIES) -> Path:
    """The same spectra as MassBank records (``//`` ends each)."""
    records = []
    for name, smiles, formula, adduct, itype, ce, products in entries:
        peaks = _peaks(adduct, products)
        lines = [
            f"ACCESSION: MSBNK-TEST-{name.replace(' ', '_').upper()}",
            f"CH$NAME: {name}",
            f"CH$FORMULA: {formula}",
            f"CH$SMILES: {smiles}",
            f"AC$INSTRUMENT_TYPE: {itype}",
            "AC$MASS_SPECTROMETRY: MS_TYPE MS2",
            f"AC$MASS_SPECTROMETRY: COLLISION_ENERGY {ce}",
            "MS$FOCUSED_ION: PRECURSOR_M/Z 200.0",
            f"MS$FOCUSED_ION: PRECURSOR_TYPE {adduct}",
            f"PK$NUM_PEAK: {len(peaks)}",
            "PK$PEAK: m/z int. rel.int.",
            *(f"  {mz:.6f} {i:.3f} {round(i * 9.99)}" for mz, i in peaks),
            "//",
        ]
        records.append("\n".join(lines))
    path.write_text("\n".join(records) + "\n")
    return path


def write_msp(path: Path, entries=ENTRIES) -> Path:
    """The same spectra as NIST-style MSP (MassBank's bulk export)."""
    records = []
    for name, smiles, _formula, adduct, itype, ce, products in entries:
        peaks = _peaks(adduct, products)
        lines = [
            f"NAME: {name}",
            f"SMILES: {smiles}",
            f"PRECURSORTYPE: {adduct}",
            f"INSTRUMENTTYPE: {itype}",
            f"COLLISIONENERGY: {ce}",
            "PRECURSORMZ: 200.0",
            f"Num Peaks: {len(peaks)}",
            *(f"{mz:.6f} {i:.3f}" for mz, i in peaks),
        ]
        records.append("\n".join(lines))
    path.write_text("\n\n".join(records) + "\n")
    return path


WRITERS = {"mgf": write_mgf, "txt": write_massbank, "msp": write_msp}


@pytest.mark.parametrize("suffix", sorted(WRITERS))
def test_every_format_keeps_the_same_spectra_and_drops_the_same(tmp_path, suffix):
    path = WRITERS[suffix](tmp_path / f"user.{suffix}")
    found = load_external(path, Filters())
    assert found.read == 4
    # [M+Na]+ is not predicted, the triple quadrupole is low resolution
    assert found.dropped == {"adduct": 1, "low_resolution_instrument": 1}
    caffeine, benzoic = found.spectra
    assert caffeine.key == "RYYVLZVUVIJVGH" and benzoic.key == "WPYMKLBDIGXBTP"
    assert caffeine.adduct == "[M+H]+" and benzoic.charge == -1
    assert caffeine.ce == 20.0 and (benzoic.ce, benzoic.ce_ramp) == (40.0, True)
    assert caffeine.instrument == "ESI-QTOF|"  # no lab: an unseen instrument one-hot
    assert caffeine.intensity.sum() == pytest.approx(1.0)
    expected = ion_mz(parse_formula("C6H8N3O"), 1)
    assert caffeine.mz[np.argmax(caffeine.intensity)] == pytest.approx(expected, abs=1e-5)


def test_structures_seen_in_training_are_removed_and_counted(tmp_path):
    found = load_external(write_mgf(tmp_path / "user.mgf"), Filters())
    kept, spectra, structures = remove_overlap(found.spectra, {"RYYVLZVUVIJVGH", "OTHER"})
    assert [s.key for s in kept] == ["WPYMKLBDIGXBTP"]
    assert (spectra, structures) == (1, 1)


def test_a_structure_from_an_inchi_alone_is_read(tmp_path):
    path = tmp_path / "inchi.mgf"
    path.write_text(
        "BEGIN IONS\nTITLE=benzoic\nINCHI=InChI=1S/C7H6O2/c8-7(9)6-4-2-1-3-5-6/h1-5H,(H,8,9)\n"
        "PRECURSOR_TYPE=[M+H]+\nINSTRUMENT_TYPE=ESI-QTOF\nPEPMASS=123.04\n"
        "105.033 100\nEND IONS\n"
    )
    (spectrum,) = load_external(path, Filters()).spectra
    assert spectrum.key == "WPYMKLBDIGXBTP"


def test_spectra_without_a_structure_are_counted(tmp_path):
    path = tmp_path / "nostructure.mgf"
    path.write_text("BEGIN IONS\nTITLE=x\nPRECURSOR_TYPE=[M+H]+\nPEPMASS=1\n50 1\nEND IONS\n")
    found = load_external(path, Filters())
    assert (found.read, found.spectra, found.dropped) == (1, [], {"no_structure": 1})


def test_an_unknown_format_is_refused_in_one_line(tmp_path):
    with pytest.raises(ValueError, match=r"unknown suffix '\.csv'.*\.mgf, \.msp, \.txt"):
        file_format(tmp_path / "spectra.csv")


@pytest.mark.slow
def test_a_run_on_a_user_file_checksums_it_and_removes_training_structures(
    registry, settings, data_dir, tmp_path
):
    """End to end at smoke scale: a file with two unseen structures and one training
    structure; the file's sha256 in the record, the overlap counted and removed."""
    import hashlib

    from harness.runner import TrainerOptions, make_cell, run_cell
    from spectral_harness_ms.data import assign_splits, load_massbank

    dataset = load_massbank(data_dir)
    assign_splits(dataset, 0)
    seen = dataset.split("train")[0]
    seen_entry = ("seen", seen.smiles, "", seen.adduct, "LC-ESI-QTOF", "20", [])
    entries = [*ENTRIES, seen_entry]
    path = tmp_path / "user.mgf"
    write_mgf(path, entries)
    blocks = path.read_text().split("END IONS")  # give the seen spectrum its measured peaks
    peaks = "\n".join(f"{mz:.6f} {i:.6f}" for mz, i in zip(seen.mz, seen.intensity, strict=True))
    blocks[-2] = blocks[-2].rstrip("\n") + "\n" + peaks + "\n"
    path.write_text("END IONS".join(blocks))
    cell = make_cell(
        registry,
        "ms_predict",
        "nearest_neighbor",
        scale="smoke",
        task_overrides={"external_test": str(path), "retrieval_queries": 0},
        trainer=TrainerOptions(num_threads=1),
    )
    record = run_cell(cell, registry, settings)
    assert record.status == "ok", record.error
    metrics = record.metrics
    assert metrics["external_spectra_read"] == 5 and metrics["external_spectra_kept"] == 3
    assert metrics["external_overlap_spectra"] == metrics["external_overlap_structures"] == 1
    assert metrics["test_spectra"] == metrics["test_structures"] == 2
    assert record.user_data == {str(path): hashlib.sha256(path.read_bytes()).hexdigest()}
    assert 0 <= metrics["cosine_0.1"] <= 1 and metrics["retrieval_queries"] == 2
    # the board gives the user's file a section of its own, named with its checksum
    from harness.leaderboard import build_leaderboard
    from harness.records import RecordStore

    board = build_leaderboard(list(RecordStore(settings.runs_dir).iter_records()), registry)
    (section,) = board.sections()
    assert section[3] == f"user.mgf@{record.user_data[str(path)][:8]}"


def test_a_file_whose_structures_were_all_trained_on_is_refused(tmp_path):
    from types import SimpleNamespace

    from spectral_harness_ms import MsTaskConfig
    from spectral_harness_ms.data import Spectrum
    from spectral_harness_ms.task import external_test_set

    path = write_mgf(tmp_path / "user.mgf")

    class Store:
        def require(self, entry):
            return tmp_path

        def checksum(self, entry):
            return "0" * 64

        def resolve(self, entry):
            return Path(entry)

    ctx = SimpleNamespace(data=Store(), record_data=lambda name, checksum: None)
    seen = [
        Spectrum("a", "", key, "[M+H]+", "", math.nan, False, "", np.zeros(10), 1, 0.0,
                 np.zeros(0), np.zeros(0))
        for key in ("RYYVLZVUVIJVGH", "WPYMKLBDIGXBTP")
    ]  # fmt: skip
    cfg = MsTaskConfig(external_test=str(path))
    with pytest.raises(UserError, match="none of its 4 spectra is left to test on"):
        external_test_set(cfg, ctx, seen)
