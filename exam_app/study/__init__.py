"""Study material: the company regulations behind the question bank, as plain values."""
