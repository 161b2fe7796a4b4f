"""Sampling plans: frames, the reproducible multistage draw, assignment, replacements and fieldwork progress."""
