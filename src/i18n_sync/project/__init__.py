"""The project: configuration, where each file is, safe reading and writing, the run."""
