"""Spectral Harness's Hydra launchers (``hydra/launcher=slurm`` and ``slurm_gpu``)."""
