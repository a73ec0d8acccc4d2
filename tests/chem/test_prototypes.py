"""Prototype measures: variation metrics, and the retrospective approved-drug test's bookkeeping."""

import pytest

from scigen.chem.data import load_approved_drugs
from scigen.chem.mol import canonical
from scigen.chem.prototypes import retrospective, variation_metrics
from scigen.chem.tokenizer import Vocabulary
from scigen.errors import InputError

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def test_variation_metrics_count_validity_repeats_and_the_prototype():
    generated = [ASPIRIN, "O=C(O)c1ccccc1OC(C)=O",  # the prototype, written two ways
                 "CC(=O)Oc1ccccc1C(=O)OC",          # its methyl ester
                 "C1CC", ""]                         # an unclosed ring, an empty string
    m = variation_metrics(ASPIRIN, generated)
    assert m["n"] == 5 and m["validity"] == pytest.approx(3 / 5)
    assert m["distinct"] == 2 and m["novel_distinct"] == 1
    assert m["uniqueness"] == pytest.approx(2 / 3) and m["prototype_fraction"] == pytest.approx(2 / 3)
    assert m["similarity"]["p90"] <= 1.0 and m["similarity"]["mean"] < 1.0  # the ester is not identical
    assert max(m["similarity"]["p10"], m["similarity"]["p90"]) == pytest.approx(1.0, abs=0.2)
    empty = variation_metrics(ASPIRIN, ["C1CC"])
    assert empty["validity"] == 0 and empty["similarity"]["mean"] is None
    with pytest.raises(InputError, match="not a valid molecule"):
        variation_metrics("C1CC", [ASPIRIN])


class ScriptedGenerator:
    """Writes the same four strings for every prototype: fluoxetine (first approved 1987),
    ammonia (an 'approved drug' of one atom, 2007), diazepam (1963) and an invalid string; records
    the prototypes it was asked for. Only the bookkeeping of :func:`retrospective` is under test."""

    def __init__(self, smiles):
        self.vocabulary = Vocabulary.build(smiles)
        self.max_len = 100
        self.asked = []

    def generate_from_prototype(self, prototype, n, diversity, *, temperature, generator):
        self.asked.append(prototype)
        return ["CNCCC(Oc1ccc(C(F)(F)F)cc1)c1ccccc1", "N", "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21", "C1CC"][:n]


def test_retrospective_counts_later_drugs_once_and_ignores_trivial_ones():
    drugs = load_approved_drugs()
    keys = [c for c in (canonical(s, isomeric=False) for s in drugs["parent_smiles"]) if c]
    model = ScriptedGenerator(keys)
    r = retrospective(model, 1980, n_per_prototype=4, max_prototypes=3)
    assert r["prototypes"] == 3 and len(model.asked) == 3 and r["generated"] == 12 and r["valid"] == 9
    # once, though generated three times (the salt and the free base share one parent molecule)
    assert [d["name"].split()[0] for d in r["recovered"]] == ["FLUOXETINE"]
    assert r["recovered"][0]["first_approval"] == 1987
    assert r["also_earlier"] == (0 if canonical("CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21") in model.asked else 1)
    with_ammonia = retrospective(model, 1980, n_per_prototype=4, max_prototypes=1, min_heavy_atoms=1)
    assert {d["name"].split()[0] for d in with_ammonia["recovered"]} == {"FLUOXETINE", "AMMONIA"}
    with pytest.raises(InputError, match="cut-off year"):
        retrospective(model, 1800)
