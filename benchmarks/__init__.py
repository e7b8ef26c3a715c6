"""Side-by-side benchmarks of stablecheck against the anchors (`python -m benchmarks`)."""
