"""Tokenizer and vocabulary: OpenSMILES tokens, exact round trips on all shipped data, clear errors."""

import json

import numpy as np
import pytest

from scigen.chem.tokenizer import BOS, EOS, PAD, UNK, Vocabulary, tokenize, tokenize_smiles
from scigen.errors import InputError


@pytest.mark.parametrize("smiles, tokens", [
    ("CCl", ["C", "Cl"]),                                   # chlorine is one token, never C + l
    ("BrCCBr", ["Br", "C", "C", "Br"]),
    ("B(O)O", ["B", "(", "O", ")", "O"]),                   # boron alone stays B
    ("Sc1ccccc1", ["S", "c", "1", "c", "c", "c", "c", "c", "1"]),  # S then aromatic c, not scandium
    ("C[C@@H](N)C(=O)O", ["C", "[C@@H]", "(", "N", ")", "C", "(", "=", "O", ")", "O"]),
    ("c1cc[nH]c1", ["c", "1", "c", "c", "[nH]", "c", "1"]),
    ("C%10CC%10", ["C", "%10", "C", "C", "%10"]),
    ("C%(123)CC%(123)", ["C", "%(123)", "C", "C", "%(123)"]),
    ("F/C=C\\F", ["F", "/", "C", "=", "C", "\\", "F"]),
    ("c1cc[se]c1", ["c", "1", "c", "c", "[se]", "c", "1"]),
    ("[Na+].[Cl-]", ["[Na+]", ".", "[Cl-]"]),
    ("[2H]C#N", ["[2H]", "C", "#", "N"]),
    ("C$C", ["C", "$", "C"]),
    ("*c1ccccc1:c", ["*", "c", "1", "c", "c", "c", "c", "c", "1", ":", "c"]),
    ("[C@H]12CC1C2", ["[C@H]", "1", "2", "C", "C", "1", "C", "2"]),
])
def test_tricky_tokens(smiles, tokens):
    assert tokenize_smiles(smiles) == tokens
    assert "".join(tokens) == smiles


@pytest.mark.parametrize("bad, char", [("c1ccsec1", "e"), ("CC[Na", "["), ("CXC", "X"), ("C C", " ")])
def test_non_smiles_characters_are_named(bad, char):
    with pytest.raises(InputError) as err:
        tokenize_smiles(bad, where="line 3 of x.smi")
    msg = str(err.value)
    assert bad in msg and repr(char) in msg and "line 3 of x.smi" in msg


def test_round_trip_on_every_shipped_smiles():
    from scigen.chem.data import load_approved_drugs, load_moses, load_prototypes

    smiles = [s for split in ("train", "test", "test_scaffolds") for s in load_moses(split)]
    drugs = load_approved_drugs()
    smiles += list(drugs["smiles"]) + list(drugs["parent_smiles"]) + list(load_prototypes().smiles)
    assert len(smiles) == 100_000 + 10_000 + 10_000 + 2 * 2628 + 16
    vocab = Vocabulary.build(smiles)
    for s in smiles:
        ids = vocab.encode(s)
        assert ids[0] == vocab.bos_id and ids[-1] == vocab.eos_id
        assert vocab.decode(ids) == s


def test_vocabulary_layout_and_batches():
    vocab = Vocabulary.build(["CCO", "c1ccccc1Cl", "C[C@@H](N)O"])
    assert vocab.tokens[:3] == [PAD, BOS, EOS] and vocab.pad_id == 0 and vocab.unk_id is None
    assert vocab.tokens[3:] == sorted(vocab.tokens[3:])  # data tokens in sorted order
    batch = ["CCO", "c1ccccc1Cl"]
    ids, lengths = vocab.encode_batch(batch)
    assert ids.shape == (2, 11) and ids.dtype == np.int64
    assert lengths.tolist() == [5, 11]  # tokens + <bos> + <eos>
    assert (ids[0, 5:] == vocab.pad_id).all()
    assert vocab.decode_batch(ids, lengths) == batch
    assert vocab.decode_batch(ids) == batch
    # decoding stops at <eos>, skips <pad>/<bos>
    assert vocab.decode([vocab.bos_id, vocab.index("C"), vocab.eos_id, vocab.index("O")]) == "C"
    with pytest.raises(InputError, match="max_len=4"):
        vocab.encode_batch(batch, max_len=4)
    with pytest.raises(InputError, match="outside the vocabulary"):
        vocab.decode([len(vocab)])


def test_unknown_token_is_a_clear_error_or_unk():
    vocab = Vocabulary.build(["CCO", "CC(=O)O"])
    with pytest.raises(InputError) as err:
        vocab.encode_batch(["CCO", "CCN"], source="generated.smi")
    msg = str(err.value)
    assert "'CCN'" in msg and "token 'N'" in msg and "molecule 1 of generated.smi" in msg
    with_unk = Vocabulary.build(["CCO"], unk=True)
    ids = with_unk.encode("CC[Se]C")
    assert ids.tolist().count(with_unk.unk_id) == 1
    assert with_unk.decode(ids) == f"CC{UNK}C"  # stays visibly invalid
    with pytest.raises(InputError, match="unk=True"):
        Vocabulary.build(["CCO"], min_count=2)


def test_save_load_round_trip(tmp_path):
    vocab = Vocabulary.build(["CCO", "c1ccccc1Br", "[nH]1cccc1"], unk=True)
    path = vocab.save(tmp_path / "model" / "vocab.json")
    again = Vocabulary.load(path)
    assert again == vocab and again.has_unk and again.counts == vocab.counts
    assert again.encode("c1ccccc1Br").tolist() == vocab.encode("c1ccccc1Br").tolist()
    (tmp_path / "other.json").write_text(json.dumps({"tokens": ["C"]}))
    with pytest.raises(InputError, match="not a scigen vocabulary"):
        Vocabulary.load(tmp_path / "other.json")
    with pytest.raises(FileNotFoundError):
        Vocabulary.load(tmp_path / "missing.json")


def test_selfies_representation():
    pytest.importorskip("selfies")
    from scigen.chem.tokenizer import selfies_to_smiles, smiles_to_selfies

    s = smiles_to_selfies("c1ccccc1Cl")
    vocab = Vocabulary.build([s], representation="selfies")
    assert vocab.decode(vocab.encode(s)) == s
    assert all(t.startswith("[") for t in tokenize(s, "selfies"))
    from rdkit import Chem

    assert Chem.CanonSmiles(selfies_to_smiles(s)) == Chem.CanonSmiles("c1ccccc1Cl")
