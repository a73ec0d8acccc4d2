"""SMILES syntax as a token mask: decoding that can only write syntactically complete SMILES.

A sequence model writes SMILES one token at a time and is free to write ``C1CC`` (a ring never
closed), ``CC(C`` (a branch never closed), ``C)C``, ``C=`` or an empty string. RDKit rejects all of
these (``invalid_syntax`` in :mod:`scigen.chem.filters`). :class:`SmilesSyntax` follows the OpenSMILES
grammar of the tokens written so far and, at every step, forbids the tokens that would break it:

* the string starts with an atom; after a bond comes an atom or a ring-bond label; after ``(`` an atom
  or a bond; after ``.`` an atom; ring-bond labels only right after an atom (or a bond);
* ``)`` only when a branch is open and not right after ``(`` or a bond;
* a ring-bond label that is open closes the ring, but never on the atom that opened it (``C11``),
  nor on the atom the current one is bonded to along the chain (``C1C1``), nor twice between the same
  two atoms (``C12CC21``): each would double a bond;
* ``<eos>`` only after an atom, a ring label or ``)``, with every branch and ring closed.

What it cannot see: valences (``C(C)(C)(C)(C)C``) and aromaticity (``c1cccc1`` cannot be
kekulised); those stay for RDKit to reject. Decoding with the mask draws from the model's
distribution conditioned on syntactic validity (each step renormalised over the allowed tokens);
it is a sampler, not a filter, and the model's own validity stays what it is without it.

The state is kept as tensors for a whole batch: :meth:`start`, :meth:`allowed`, :meth:`advance` and
:meth:`keep` are what :func:`scigen.nn.recurrent.sample_tokens` calls (its ``grammar=`` argument).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from scigen.chem.tokenizer import Vocabulary
from scigen.errors import InputError

# token classes
OTHER, ATOM, BOND, OPEN, CLOSE, RING, DOT, EOS, START = range(9)
_BONDS = set("-=#$:/\\")


def _token_class(token: str) -> int:
    if token.startswith("[") or token in {"B", "C", "N", "O", "P", "S", "F", "Cl", "Br", "I",
                                          "b", "c", "n", "o", "s", "p", "*"}:
        return ATOM
    if token in _BONDS:
        return BOND
    if token.isdigit() or token.startswith("%"):
        return RING
    return {"(": OPEN, ")": CLOSE, ".": DOT}.get(token, OTHER)


# which class may follow which (rows: the previous token's class; columns: the next token's)
_FOLLOWS = {START: {ATOM}, ATOM: {ATOM, BOND, OPEN, CLOSE, RING, DOT, EOS},
            RING: {ATOM, BOND, OPEN, CLOSE, RING, DOT, EOS},
            CLOSE: {ATOM, BOND, OPEN, CLOSE, DOT, EOS}, OPEN: {ATOM, BOND}, BOND: {ATOM, RING}, DOT: {ATOM}}


@dataclass
class SyntaxState:
    """Per-sequence state of a batch (first dimension = the sequences still being written).

    prev: (B,) class of the last token. depth: (B,) open branches. count: (B,) atoms written.
    atom: (B,) index of the atom the next bond or ring label attaches to (-1 before the first).
    parent: (B,) atom the current one is bonded to along the chain (-1: none, -2: unknown, after
    ``)``). stack: (B, S) branch-point atoms of the open branches. ring_at: (B, R) atom that opened
    each ring label (-1: closed). closed_here: (B, R) the atoms rings were closed to at the current
    atom (-1: none).
    """

    prev: torch.Tensor
    depth: torch.Tensor
    count: torch.Tensor
    atom: torch.Tensor
    parent: torch.Tensor
    stack: torch.Tensor
    ring_at: torch.Tensor
    closed_here: torch.Tensor


class SmilesSyntax:
    """The SMILES grammar of a :class:`~scigen.chem.tokenizer.Vocabulary`, as token masks.

    Raises:
        InputError: the vocabulary is not a SMILES one (SELFIES strings are valid by construction
            and need no mask) or holds no atom token.
    """

    def __init__(self, vocab: Vocabulary, max_depth: int = 64) -> None:
        if vocab.representation != "smiles":
            raise InputError(f"syntax-constrained decoding is for SMILES models; this one writes "
                             f"{vocab.representation}, whose every string decodes to a molecule already")
        classes = [_token_class(t) for t in vocab.tokens]
        classes[vocab.eos_id] = EOS
        self.classes = torch.tensor(classes)
        if not bool((self.classes == ATOM).any()):
            raise InputError("the vocabulary holds no atom token: it cannot write a SMILES string")
        labels = sorted({t for t, c in zip(vocab.tokens, classes) if c == RING})
        self.ring_of = torch.tensor([labels.index(t) if c == RING else -1 for t, c in zip(vocab.tokens, classes)])
        self.n_rings, self.max_depth = len(labels), max_depth
        self.follows = torch.zeros(9, 9, dtype=torch.bool)
        for before, after in _FOLLOWS.items():
            self.follows[before, list(after)] = True

    def start(self, n: int, device) -> SyntaxState:
        long = dict(dtype=torch.long, device=device)
        self.classes, self.ring_of, self.follows = (t.to(device) for t in (self.classes, self.ring_of, self.follows))
        return SyntaxState(prev=torch.full((n,), START, **long), depth=torch.zeros(n, **long),
                           count=torch.zeros(n, **long),
                           atom=torch.full((n,), -1, **long), parent=torch.full((n,), -1, **long),
                           stack=torch.full((n, self.max_depth), -1, **long),
                           ring_at=torch.full((n, max(self.n_rings, 1)), -1, **long),
                           closed_here=torch.full((n, max(self.n_rings, 1)), -1, **long))

    def allowed(self, s: SyntaxState) -> torch.Tensor:
        """(B, V) bool: the tokens that keep each sequence on a path to a complete SMILES string."""
        ok = self.follows[s.prev][:, self.classes]                            # (B, V) by class
        closed = (s.depth == 0) & (s.ring_at < 0).all(dim=1)
        ok[:, self.classes == EOS] &= closed[:, None]
        ok[:, self.classes == CLOSE] &= (s.depth > 0)[:, None]
        ok[:, self.classes == OPEN] &= (s.depth < self.max_depth)[:, None]
        ok[:, self.classes == DOT] &= (s.depth == 0)[:, None]
        ring_tokens = self.classes == RING
        if self.n_rings:
            opener = s.ring_at[:, self.ring_of[ring_tokens]]                   # (B, ring tokens)
            doubled = (opener[:, :, None] == s.closed_here[:, None, :]).any(dim=2)
            bad = (opener >= 0) & ((opener == s.atom[:, None]) | (opener == s.parent[:, None]) | doubled)
            ok[:, ring_tokens] &= ~bad
        return ok

    def advance(self, s: SyntaxState, tokens: torch.Tensor) -> None:
        """Take one token id per sequence (B,) into the state."""
        cls = self.classes[tokens]
        rows = torch.arange(len(tokens), device=tokens.device)
        is_atom = cls == ATOM
        # a new atom bonds to the current one (or, after '.', to nothing)
        new_parent = torch.where(s.prev == DOT, torch.full_like(s.atom, -1), s.atom)
        s.parent = torch.where(is_atom, new_parent, s.parent)
        s.atom = torch.where(is_atom, s.count, s.atom)
        s.count = s.count + is_atom.long()
        s.closed_here[is_atom] = -1
        opening = cls == OPEN
        if bool(opening.any()):
            s.stack[rows[opening], s.depth[opening]] = s.atom[opening]
            s.depth = s.depth + opening.long()
        closing = cls == CLOSE
        if bool(closing.any()):
            s.depth = s.depth - closing.long()
            branch_point = s.stack[rows[closing], s.depth[closing]]
            s.atom[closing] = branch_point  # after ')' the chain goes on from the branch point
            s.parent[closing] = -2          # unknown parent there: -2 never equals an atom index
        ring = cls == RING
        if bool(ring.any()):
            r, label = rows[ring], self.ring_of[tokens[ring]]
            opener = s.ring_at[r, label]
            was_open = opener >= 0
            s.closed_here[r[was_open], label[was_open]] = opener[was_open]
            s.ring_at[r, label] = torch.where(was_open, torch.full_like(label, -1), s.atom[ring])
        s.prev = cls

    def keep(self, s: SyntaxState, rows: torch.Tensor) -> SyntaxState:
        """The state of the sequences ``rows`` (a bool mask or indices) only."""
        return SyntaxState(**{f.name: getattr(s, f.name)[rows] for f in fields(s)})

