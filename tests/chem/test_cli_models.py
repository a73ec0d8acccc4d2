"""The generator verbs end to end on tiny settings: train-lstm, sample, fine-tune, train-vae, generate,
then ``scigen validate`` on what was sampled."""

import json

from rdkit import Chem

from scigen.chem.data import load_moses, load_prototypes
from scigen.chem.files import read_smiles, write_smiles
from scigen.chem.mol import invalid_reason
from scigen.chem.tokenizer import tokenize_smiles
from scigen.cli import main
from scigen.engine import load_model

TINY = ["--steps", "80", "--batch-size", "32", "--hidden", "64", "--layers", "1", "--lr", "8e-3", "--log-every", "40",
        "--checkpoint-every", "80", "--threads", "1"]
TINY_VAE = ["--steps", "240", *TINY[2:]]  # enough to reconstruct its 24 molecules (recon < 0.1 nats/token)


def test_generators_from_the_command_line(tmp_path, capsys):
    # a small training set, repeated so that a tiny model learns it within seconds; two bad lines
    mols = list(load_moses("train", 24))
    train = write_smiles(tmp_path / "train.smi", mols * 6 + ["C1CC", "c1cccc1"])
    test = write_smiles(tmp_path / "test.smi", load_moses("test", 80))

    assert main(["chem", "train-lstm", "--smiles", str(train), "--out", str(tmp_path / "lstm"), *TINY]) == 0
    data = json.loads((tmp_path / "lstm" / "data_report.json").read_text())
    assert data["dropped"] == {"duplicate": 24 * 5, "invalid_syntax": 1, "invalid_aromaticity": 1}
    assert "trained chem.char_lstm" in capsys.readouterr().out

    sampled = tmp_path / "sampled.smi"
    assert main(["chem", "sample", "--model", str(tmp_path / "lstm"), "--n", "300", "--out", str(sampled),
                 "--sdf", str(tmp_path / "sampled.sdf"), "--raw", str(tmp_path / "raw.csv"), "--seed", "1", "--threads", "1"]) == 0
    report = json.loads((tmp_path / "sampled.filter.json").read_text())["filter"]
    kept = list(read_smiles(sampled).smiles)
    assert report["n_in"] == 300 and report["n_kept"] == len(kept) > 5
    assert report["n_kept"] + sum(report["dropped"].values()) == 300  # every molecule accounted for
    assert len(set(kept)) == len(kept) and all(Chem.MolFromSmiles(s) for s in kept)
    raw = read_smiles(tmp_path / "raw.csv").smiles
    assert len(raw) == 300 and sum(bool(Chem.MolFromSmiles(s)) for s in raw if s) == 300 - report["n_invalid"]
    assert len([m for m in Chem.SDMolSupplier(str(tmp_path / "sampled.sdf"))]) == len(kept)
    printed = capsys.readouterr().out
    assert "kept" in printed and "molecules/s" in printed
    # an existing output is not overwritten silently
    assert main(["chem", "sample", "--model", str(tmp_path / "lstm"), "--n", "10", "--out", str(sampled)]) == 2
    assert main(["chem", "sample", "--model", str(tmp_path / "lstm"), "--n", "10", "--out", str(tmp_path / "t.smi"),
                 "--threads", "0"]) == 2
    assert "--threads must be >= 1" in capsys.readouterr().err
    assert main(["chem", "sample", "--model", str(tmp_path / "lstm"), "--n", "100", "--constrained",
                 "--raw", str(tmp_path / "raw_masked.csv"), "--out", str(tmp_path / "masked.smi")]) == 0
    assert json.loads((tmp_path / "masked.filter.json").read_text())["constrained"] is True
    # a 2-step model rarely ends a string; with the mask, a syntax error is only a string cut at max_len
    max_len = load_model(tmp_path / "lstm").max_len
    broken = [s for s in read_smiles(tmp_path / "raw_masked.csv").smiles if invalid_reason(s) in ("syntax", "empty")]
    assert all(len(tokenize_smiles(s)) == max_len for s in broken)

    actives = write_smiles(tmp_path / "actives.smi", mols[:3])
    assert main(["chem", "fine-tune", "--model", str(tmp_path / "lstm"), "--smiles", str(actives),
                 "--out", str(tmp_path / "ft"), "--epochs", "4", "--measure", "40", "--threads", "1"]) == 0
    ft = json.loads((tmp_path / "ft" / "fine_tune_report.json").read_text())
    assert ft["steps"] == 4 and ft["before"]["n"] == 40
    bad = write_smiles(tmp_path / "bad.smi", ["CCO", "CC[Se]CC"])
    assert main(["chem", "fine-tune", "--model", str(tmp_path / "lstm"), "--smiles", str(bad),
                 "--out", str(tmp_path / "ft2"), "--measure", "0"]) == 2
    err = capsys.readouterr().err
    assert "CC[Se]CC" in err and "bad.smi" in err

    assert main(["chem", "train-vae", "--smiles", str(train), "--out", str(tmp_path / "vae"), "--latent-dim", "8",
                 *TINY_VAE]) == 0
    variations = tmp_path / "variations.csv"
    aspirin = "CC(=O)Oc1ccccc1C(=O)O"
    code = main(["chem", "generate", "--model", str(tmp_path / "vae"), "--prototype", mols[0], "--n", "50",
                 "--diversity", "0.5", "--out", str(variations)])
    summary = json.loads((tmp_path / "variations.filter.json").read_text())
    assert code == 0 and summary["n"] == 50 and summary["diversity"] == 0.5 and summary["constrained"] is False
    assert main(["chem", "generate", "--model", str(tmp_path / "vae"), "--prototype", mols[0], "--n", "20",
                 "--constrained", "--method", "beam", "--out", str(tmp_path / "beam.smi")]) == 2
    assert "beam search" in capsys.readouterr().err
    assert read_smiles(variations).smiles.size == summary["filter"]["n_kept"] == summary["variations"]["distinct"]
    assert main(["chem", "generate", "--model", str(tmp_path / "lstm"), "--prototype", aspirin,
                 "--out", str(tmp_path / "x.smi")]) == 2  # an LSTM has no prototype
    assert main(["chem", "generate", "--model", str(tmp_path / "vae"), "--prototype", "C1CC",
                 "--out", str(tmp_path / "y.smi")]) == 2
    assert "not a valid molecule" in capsys.readouterr().err

    # a fitted latent prior: codes drawn from a mixture over the training molecules' codes, decoded by beam
    assert main(["chem", "fit-prior", "--model", str(tmp_path / "vae"), "--smiles", str(train), "--components", "2",
                 "--threads", "1"]) == 0
    prior = tmp_path / "vae" / "latent_prior.npz"
    assert prior.exists() and "24 molecules" in capsys.readouterr().out  # the 24 distinct, valid ones
    assert main(["chem", "sample", "--model", str(tmp_path / "vae"), "--latent-prior", str(prior), "--method", "beam",
                 "--beam-width", "3", "--n", "20", "--out", str(tmp_path / "fitted.smi")]) == 0
    fitted = json.loads((tmp_path / "fitted.filter.json").read_text())
    assert fitted["method"] == "beam" and fitted["latent_prior"] == str(prior) and fitted["filter"]["n_in"] == 20
    assert main(["chem", "sample", "--model", str(tmp_path / "lstm"), "--latent-prior", str(prior), "--n", "5",
                 "--out", str(tmp_path / "z.smi")]) == 2
    assert "only the prototype VAE" in capsys.readouterr().err

    out = tmp_path / "report"
    # (FCD and the permutation checks are left out for time: tests/chem/test_stats.py covers them)
    code = main(["validate", "--real", str(test), "--fake", str(sampled), "--train", str(train), "--out", str(out),
                 "--statistics", "validity,uniqueness,novelty,filters,QED,weight", "--checks", "memorisation",
                 "--n-splits", "5", "--no-html"])
    assert code in (0, 1)  # a verdict, not an input error
    report = json.loads((out / "report.json").read_text())
    names = {r["name"] for r in report["statistics"]}
    assert names == {"validity", "uniqueness", "novelty", "filters", "QED", "weight"}
    assert [c["name"] for c in report["checks"]] == ["memorisation"]
    novelty = next(r for r in report["statistics"] if r["name"] == "novelty")
    assert novelty["verdict"] != "skipped"  # the training set was used
    assert load_prototypes()  # shipped prototypes stay readable
