"""SMILES tokenizer (atom level) and the vocabulary a sequence model is trained and saved with.

Tokens follow the OpenSMILES grammar: a bracket atom (``[nH]``, ``[C@@H]``, ``[O-]``, ``[2H]``,
``[se]``) is one token; outside brackets only the organic subset is allowed, with ``Cl`` and ``Br``
as single tokens (``B C N O P S F Cl Br I`` and aromatic ``b c n o s p``), plus ``*``; ring-bond
labels are ``0``-``9``, ``%nn`` and RDKit's ``%(nnn)``; bonds ``- = # $ : / \\``, branches ``( )``
and the fragment separator ``.``. Concatenating the tokens gives back the string exactly, so
``decode(encode(s)) == s``. Stereo marks ``@``/``@@`` live inside bracket atoms, ``/`` and ``\\``
are tokens of their own.

SELFIES (``representation="selfies"``, Krenn et al. 2020) is supported through the ``selfies``
package; each ``[...]`` symbol is one token. A model trained on SELFIES reads and writes SMILES at
its edges (:func:`from_smiles`, :func:`to_smiles`): every string of SELFIES symbols decodes to a
molecule, so its samples are valid by construction.

The :class:`Vocabulary` maps tokens to integer ids: ``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2,
optionally ``<unk>`` = 3, then the data's tokens in sorted order. It is saved as JSON beside a model.
A token it does not know is an :class:`~scigen.errors.InputError` naming the molecule and the token
(unless it was built with ``unk=True``).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from scigen.errors import InputError, require_file

FORMAT = "scigen.chem.vocabulary/1"
PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
REPRESENTATIONS = ("smiles", "selfies")

_SMILES_TOKEN = re.compile(
    r"""
      \[[^\[\]]*\]       # bracket atom: [isotope] symbol [chirality] [hcount] [charge] [:class]
    | Cl | Br            # two-letter organic-subset elements, tried before C and B
    | [BCNOPSFI]         # aliphatic organic subset
    | [bcnops]           # aromatic organic subset
    | \*                 # wildcard atom
    | %\d\d              # ring-bond label 10-99
    | %\(\d+\)           # ring-bond label >= 100 (RDKit extension)
    | \d                 # ring-bond label 0-9
    | [-=\#$:/\\.]       # bonds (single, double, triple, quadruple, aromatic, up, down) and '.'
    | [()]               # branches
    """,
    re.VERBOSE,
)
_ORGANIC = "B C N O P S F Cl Br I b c n o s p *"


def _describe(where: str | None) -> str:
    return f" ({where})" if where else ""


def tokenize_smiles(smiles: str, *, where: str | None = None) -> list[str]:
    """Split a SMILES string into atom-level tokens; ``"".join(tokens) == smiles``.

    Raises:
        InputError: a character that is not SMILES (e.g. an element outside the organic subset
            written without brackets, ``se`` instead of ``[se]``, an unclosed ``[``).
    """
    if not isinstance(smiles, str):
        raise InputError(f"SMILES must be a string, got {type(smiles).__name__}{_describe(where)}")
    tokens = _SMILES_TOKEN.findall(smiles)
    if sum(map(len, tokens)) == len(smiles):
        return tokens
    pos = 0  # slow path: find the first character no token covers, to name it
    while pos < len(smiles):
        m = _SMILES_TOKEN.match(smiles, pos)
        if m is None:
            break
        pos = m.end()
    bad = smiles[pos]
    hint = ("an unclosed or nested '['" if bad in "[]" else
            f"outside brackets only the organic subset ({_ORGANIC}) is allowed; write other "
            "elements and charges in brackets, e.g. [se], [Na+], [nH]")
    raise InputError(f"SMILES '{smiles}'{_describe(where)}: character {bad!r} at position {pos} "
                     f"is not a SMILES token: {hint}")


def tokenize_selfies(selfies_string: str, *, where: str | None = None) -> list[str]:
    """Split a SELFIES string into its ``[...]`` symbols (needs the optional ``selfies`` package)."""
    sf = _selfies()
    tokens = list(sf.split_selfies(selfies_string))
    if "".join(tokens) != selfies_string:
        raise InputError(f"SELFIES '{selfies_string}'{_describe(where)} is not a sequence of [...] symbols")
    return tokens


def _selfies():
    try:
        import selfies
    except ImportError:
        raise InputError("the SELFIES representation needs the 'selfies' package: pip install selfies") from None
    return selfies


def smiles_to_selfies(smiles: str, *, where: str | None = None) -> str:
    """SELFIES of a SMILES string (optional ``selfies`` package); InputError if it cannot encode it."""
    sf = _selfies()
    try:
        return sf.encoder(smiles)
    except Exception as exc:  # selfies.EncoderError
        raise InputError(f"SMILES '{smiles}'{_describe(where)} cannot be written as SELFIES: {exc}") from None


def selfies_to_smiles(selfies_string: str) -> str:
    """SMILES of a SELFIES string (optional ``selfies`` package)."""
    return _selfies().decoder(selfies_string)


def from_smiles(smiles: str, representation: str = "smiles", *, where: str | None = None) -> str:
    """The string a model of ``representation`` reads for a SMILES: the SMILES itself, or its SELFIES.

    Raises:
        InputError: a SMILES the selfies package cannot encode (naming it and ``where``).
    """
    if representation == "smiles":
        return smiles
    if representation == "selfies":
        return smiles_to_selfies(smiles, where=where)
    raise InputError(f"representation must be one of {REPRESENTATIONS}, got {representation!r}")


def to_smiles(text: str, representation: str = "smiles") -> str:
    """The SMILES of a string a model of ``representation`` wrote. A SELFIES string decodes to a
    SMILES whatever its symbols (SELFIES' guarantee); one the selfies package still cannot decode
    (e.g. holding ``<unk>``) comes back as written, so RDKit counts it invalid instead of it vanishing."""
    if representation != "selfies":
        return text
    try:
        return selfies_to_smiles(text)
    except Exception:  # selfies.DecoderError: an unknown symbol
        return text


def tokenize(text: str, representation: str = "smiles", *, where: str | None = None) -> list[str]:
    """Tokens of a SMILES (default) or SELFIES string."""
    if representation == "smiles":
        return tokenize_smiles(text, where=where)
    if representation == "selfies":
        return tokenize_selfies(text, where=where)
    raise InputError(f"representation must be one of {REPRESENTATIONS}, got {representation!r}")


class Vocabulary:
    """Token <-> id map with ``<pad>`` (0), ``<bos>`` (1), ``<eos>`` (2) and optional ``<unk>`` (3).

    Args:
        tokens: the data tokens (order kept; duplicates and special tokens are an error).
        unk: add an ``<unk>`` token that unknown tokens map to, instead of raising.
        representation: "smiles" or "selfies": which tokenizer :meth:`tokenize` uses.
        counts: optional token counts from the data it was built on (saved for reference).
    """

    def __init__(self, tokens: Iterable[str], *, unk: bool = False, representation: str = "smiles",
                 counts: dict[str, int] | None = None) -> None:
        if representation not in REPRESENTATIONS:
            raise InputError(f"representation must be one of {REPRESENTATIONS}, got {representation!r}")
        tokens = list(tokens)
        specials = [PAD, BOS, EOS] + ([UNK] if unk else [])
        clash = sorted(set(tokens) & {PAD, BOS, EOS, UNK})
        if clash:
            raise InputError(f"vocabulary tokens {clash} collide with the special tokens {specials}")
        if len(set(tokens)) != len(tokens):
            dup = sorted(t for t, c in Counter(tokens).items() if c > 1)
            raise InputError(f"vocabulary tokens must be unique; repeated: {dup}")
        self.representation = representation
        self.has_unk = unk
        self._itos: list[str] = specials + tokens
        self._stoi: dict[str, int] = {t: i for i, t in enumerate(self._itos)}
        self.counts = dict(counts) if counts else {}

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def build(cls, texts: Iterable[str], *, unk: bool = False, min_count: int = 1,
              representation: str = "smiles", source: str | None = None) -> "Vocabulary":
        """Collect the tokens of ``texts`` (SMILES or SELFIES strings), sorted, keeping those seen
        at least ``min_count`` times (``min_count > 1`` needs ``unk=True`` to encode the rest)."""
        counts: Counter = Counter()
        for i, text in enumerate(texts):
            counts.update(tokenize(text, representation, where=_where(i, source)))
        if not counts:
            raise InputError(f"cannot build a vocabulary from no molecules{_describe(source)}")
        if min_count > 1 and not unk:
            raise InputError("min_count > 1 drops rare tokens: pass unk=True so they map to <unk>")
        kept = sorted(t for t, c in counts.items() if c >= min_count)
        return cls(kept, unk=unk, representation=representation, counts={t: counts[t] for t in kept})

    # ---- lookup -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._itos)

    def __contains__(self, token: str) -> bool:
        return token in self._stoi

    def __eq__(self, other) -> bool:
        return (isinstance(other, Vocabulary) and self._itos == other._itos
                and self.representation == other.representation)

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens, representation={self.representation!r}, unk={self.has_unk})"

    @property
    def tokens(self) -> list[str]:
        """All tokens, specials first, in id order."""
        return list(self._itos)

    pad_id, bos_id, eos_id = 0, 1, 2

    @property
    def unk_id(self) -> int | None:
        return 3 if self.has_unk else None

    @property
    def n_special(self) -> int:
        return 4 if self.has_unk else 3

    def index(self, token: str) -> int:
        """Id of ``token``; KeyError if unknown."""
        return self._stoi[token]

    def token(self, i: int) -> str:
        """Token of id ``i``."""
        return self._itos[i]

    def tokenize(self, text: str, *, where: str | None = None) -> list[str]:
        return tokenize(text, self.representation, where=where)

    def from_smiles(self, smiles: str, *, where: str | None = None) -> str:
        """The string this vocabulary tokenizes for a SMILES (see :func:`from_smiles`)."""
        return from_smiles(smiles, self.representation, where=where)

    def to_smiles(self, text: str) -> str:
        """The SMILES of a decoded string (see :func:`to_smiles`)."""
        return to_smiles(text, self.representation)

    # ---- encode / decode ----------------------------------------------------------------------
    def encode(self, text: str, *, bos: bool = True, eos: bool = True, where: str | None = None) -> np.ndarray:
        """Ids of one string, shape (L,) int64, with ``<bos>``/``<eos>`` around it by default.

        Raises:
            InputError: a token not in the vocabulary (when built without ``unk``), naming the
                molecule (``where`` says where it came from, e.g. "line 12 of train.smi").
        """
        ids = [self.bos_id] if bos else []
        stoi, unk_id = self._stoi, self.unk_id
        for tok in self.tokenize(text, where=where):
            i = stoi.get(tok)
            if i is None:
                if unk_id is None:
                    raise InputError(
                        f"{self.representation.upper()} '{text}'{_describe(where)}: token '{tok}' is not in the "
                        f"vocabulary ({len(self) - self.n_special} tokens); rebuild the vocabulary from data "
                        "that contain it, filter such molecules out (scigen chem filter), or build the "
                        "vocabulary with unk=True"
                    )
                i = unk_id
            ids.append(i)
        if eos:
            ids.append(self.eos_id)
        return np.asarray(ids, dtype=np.int64)

    def encode_batch(self, texts: Sequence[str], *, bos: bool = True, eos: bool = True,
                     max_len: int | None = None, source: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Encode and pad a batch.

        Returns:
            ids: (B, T) int64, padded with ``pad_id`` (0); T = the longest sequence, or ``max_len``.
            lengths: (B,) int64, each sequence's length including ``<bos>``/``<eos>``.

        Raises:
            InputError: an unknown token, or a sequence longer than ``max_len`` (naming it).
        """
        seqs = [self.encode(t, bos=bos, eos=eos, where=_where(i, source)) for i, t in enumerate(texts)]
        lengths = np.asarray([len(s) for s in seqs], dtype=np.int64)
        longest = int(lengths.max()) if len(seqs) else 0
        width = longest if max_len is None else int(max_len)
        if longest > width:
            i = int(np.argmax(lengths))
            raise InputError(f"'{texts[i]}'{_describe(_where(i, source))} has {lengths[i]} tokens "
                             f"(with <bos>/<eos>), more than max_len={width}: filter long molecules out "
                             "first or raise max_len")
        ids = np.full((len(seqs), width), self.pad_id, dtype=np.int64)
        for row, s in enumerate(seqs):
            ids[row, : len(s)] = s
        return ids, lengths

    def decode(self, ids: Iterable[int], *, stop_at_eos: bool = True) -> str:
        """The string of a sequence of ids: ``<bos>`` and ``<pad>`` are skipped, decoding stops at
        ``<eos>`` (unless ``stop_at_eos=False``, which skips it too); ``<unk>`` stays visible as
        "<unk>" so the result is not mistaken for a valid molecule."""
        itos, n = self._itos, len(self._itos)
        out = []
        for i in np.asarray(ids, dtype=np.int64).ravel().tolist():
            if i < 0 or i >= n:
                raise InputError(f"token id {i} is outside the vocabulary of {n} tokens")
            if i == self.eos_id:
                if stop_at_eos:
                    break
                continue
            if i in (self.pad_id, self.bos_id):
                continue
            out.append(itos[i])
        return "".join(out)

    def decode_batch(self, ids: np.ndarray, lengths: np.ndarray | None = None) -> list[str]:
        """Decode (B, T) ids (numpy or torch), each row up to its length if ``lengths`` is given."""
        ids = np.asarray(ids.cpu() if hasattr(ids, "cpu") else ids)
        if ids.ndim != 2:
            raise InputError(f"decode_batch expects ids of shape (B, T), got {ids.shape}")
        if lengths is None:
            return [self.decode(row) for row in ids]
        return [self.decode(row[: int(n)]) for row, n in zip(ids, np.asarray(lengths))]

    # ---- persistence --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": FORMAT, "representation": self.representation, "unk": self.has_unk,
                "specials": self._itos[: self.n_special], "tokens": self._itos[self.n_special:],
                "counts": self.counts}

    @classmethod
    def from_dict(cls, d: dict, *, where: str = "vocabulary") -> "Vocabulary":
        if d.get("format") != FORMAT or "tokens" not in d:
            raise InputError(f"{where} is not a scigen vocabulary (expected format '{FORMAT}', "
                             f"found {d.get('format')!r})")
        vocab = cls(d["tokens"], unk=bool(d.get("unk", False)), representation=d.get("representation", "smiles"),
                    counts=d.get("counts"))
        if d.get("specials") and d["specials"] != vocab._itos[: vocab.n_special]:
            raise InputError(f"{where}: special tokens {d['specials']} differ from this scigen's "
                             f"{vocab._itos[: vocab.n_special]}")
        return vocab

    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as JSON (atomically). Returns the path."""
        from scigen.io.atomic import write_text_atomic

        return write_text_atomic(path, json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocabulary":
        p = require_file(path, "vocabulary file")
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"vocabulary file '{p}' is not valid JSON ({exc})") from None
        return cls.from_dict(d, where=f"vocabulary file '{p}'")


def _where(i: int, source: str | None) -> str:
    return f"molecule {i} of {source}" if source else f"molecule {i}"
