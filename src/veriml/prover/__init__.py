"""The model prover: GKR-style claim reduction over veriml's integer programs."""
