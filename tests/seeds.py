"""The two real documents the demo is built from, as the repository keeps them (demo/seeds):
seed 000, 昭化区's 整改情况报告, and seed 001, 江西省商务厅's 督查通报 to seven counties."""

from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "demo" / "seeds"
SEED_000 = SEEDS / "000_d2c33bb255dc6fe3.txt"
SEED_001 = SEEDS / "001_04373179771d853a.txt"
