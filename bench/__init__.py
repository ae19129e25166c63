"""The benchmark: synthetic data shaped by our ontology, peers, workloads (see BENCHMARKS.md)."""
