"""Chemistry: SMILES generators (character LSTM, prototype VAE), tokenizer, RDKit filters, MOSES data
and metrics.

Modules (import what you need; RDKit loads with the modules that use it, not with this package):

- :mod:`scigen.chem.tokenizer`: atom-level SMILES tokenizer, :class:`Vocabulary` (no RDKit).
- :mod:`scigen.chem.mol`: parse, say why invalid, canonicalise, deduplicate.
- :mod:`scigen.chem.filters`: :class:`MoleculeFilter`, :func:`moses_filter`, drop counts by reason.
- :mod:`scigen.chem.files`: SMILES (.smi/.csv, gzip'd or not) in and out, SDF in and out.
- :mod:`scigen.chem.data`: the shipped real data (MOSES subsets, ChEMBL approved drugs, prototypes).
- :mod:`scigen.chem.features`: per-molecule fingerprints, fragments, scaffolds, properties (cached).
- :mod:`scigen.chem.metrics`: validity, uniqueness, novelty, IntDiv, SNN, Frag, Scaf, Filters,
  property Wasserstein distances, FCD; :func:`moses_metrics` computes them all.
- :mod:`scigen.chem.fcd`: Frechet ChemNet Distance with ``fcd_torch``'s ChemNet (optional package).
- :mod:`scigen.chem.stats`: the same registered as ``scigen.validate`` statistics (domain "chem").
- :mod:`scigen.chem.models`: :class:`CharLSTM` ("chem.char_lstm") and :class:`PrototypeVAE`
  ("chem.prototype_vae"), trained through ``scigen.engine``.
- :mod:`scigen.chem.pipeline`: train / fine-tune / sample / generate wiring used by the CLI.
- :mod:`scigen.chem.prototypes`: variation metrics, diversity sweeps, VAE reconstruction and the
  retrospective approved-drug test.
- :mod:`scigen.chem.demo`: the chemistry section of ``scigen demo``.
"""

from scigen._lazy import lazy_exports

_EXPORTS = {
    "Vocabulary": "scigen.chem.tokenizer", "tokenize_smiles": "scigen.chem.tokenizer",
    "canonical": "scigen.chem.mol", "canonicalize": "scigen.chem.mol", "deduplicate": "scigen.chem.mol",
    "MoleculeFilter": "scigen.chem.filters", "FilterResult": "scigen.chem.filters",
    "moses_filter": "scigen.chem.filters", "filter_smiles": "scigen.chem.filters",
    "read_smiles": "scigen.chem.files", "write_smiles": "scigen.chem.files", "write_sdf": "scigen.chem.files",
    "read_sdf": "scigen.chem.files", "load_moses": "scigen.chem.data", "load_approved_drugs": "scigen.chem.data",
    "load_prototypes": "scigen.chem.data", "moses_metrics": "scigen.chem.metrics",
    "CharLSTM": "scigen.chem.models", "PrototypeVAE": "scigen.chem.models",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
