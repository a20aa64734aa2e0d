"""Observer plugins of the run lifecycle: console output and the Weights & Biases mirror."""
