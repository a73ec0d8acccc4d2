"""The "real" Ising data: equilibrated, decorrelated sample sets with everything measured recorded.

``simulate(size, temperatures, samples_per_temperature, seed)`` returns a :class:`scigen.io.SampleSet`
(samples (N, L, L) int8 +-1, condition (N, 1) temperature, domain "ising"); ``simulate_to_file``
writes it atomically. What happens, at every temperature independently (see docs/ising.md):

1. **Chains.** 64 x W independent chains per temperature (W chosen so each chain yields >= 16
   samples), started ordered below Tc and random above.
2. **Burn-in, measured.** E and |M| of every chain are recorded at every sweep. At checkpoints
   (64, 128, 256, ... sweeps) the MSER-5 rule on the chain-averaged series gives the truncation
   point d, and the integrated autocorrelation times tau_int of E and |M| (Sokal windowing, pooled
   over chains) are measured on what follows. Equilibration is declared once the tail after d is
   at least 25 tau_int long (and 100 sweeps) with both estimates reliable.
3. **Algorithm per temperature** (``algorithm="auto"``). Checkerboard Metropolis (multi-spin coded,
   :class:`~scigen.ising.kernels.MultispinMetropolis`) is the cheapest per sweep by far; Swendsen-
   Wang costs ``cluster_cost_ratio`` (default 80, measured by ``benchmarks/ising.py`` on CPU) times
   more per chain and sweep but decorrelates in ~5 sweeps at Tc, where Metropolis needs ~L^2.17.
   A temperature moves to Swendsen-Wang when Metropolis's measured tau_int (or its lower bound while
   the estimate is not yet reliable) exceeds ``cluster_cost_ratio * CLUSTER_TAU`` (CLUSTER_TAU = 5
   sweeps, SW's measured tau at Tc), i.e. when a cluster update is cheaper per independent sample.
   On CPU that keeps Metropolis everywhere for L <= 64 and picks SW in a window around Tc that
   widens with L from L = 128 on. The choice is deterministic given the seed (no wall-clock timing).
4. **Thinning.** Samples are taken every ceil(thin * tau_max) sweeps (thin = 2 by default, tau_max
   the upper end, tau + 2 sigma, of the larger tau_int of E and |M|), so consecutive samples of a
   chain are ~independent.
5. **Verification.** tau_int is measured again on the whole run after burn-in (pilot tail plus
   production); the sample set records whether the thinning still covers ``thin * tau``
   (``thinning_ok``) and the Monte Carlo means of e and |m| with errors from the spread of the
   chain means.
6. **Symmetry.** At h = 0 every saved sample's sign is flipped with probability 1/2 (an exact
   symmetry of H), so both magnetisation signs appear even where a local algorithm cannot tunnel.

Samples are ordered by temperature, then chain, then Monte Carlo time. Everything is held in memory
(N L^2 bytes); for very large sets, simulate temperature subsets with different seeds and join them.
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from scigen.errors import InputError
from scigen.ising.lattice import check_size, check_temperatures
from scigen.ising.kernels import MultispinMetropolis, SwendsenWang
from scigen.ising.timeseries import integrated_time, mser_burn_in

__all__ = ["simulate", "simulate_to_file", "short_chains", "TemperatureRecord", "ALGORITHMS", "CLUSTER_TAU",
           "CLUSTER_COST_RATIO"]

log = logging.getLogger("scigen.ising")

ALGORITHMS = ("auto", "metropolis", "cluster")
# Swendsen-Wang / multi-spin Metropolis CPU time per chain-sweep at Tc, 64 chains: 55 at L = 64, 104 at
# L = 128 (benchmarks/ising.py); and SW's larger tau_int of E and |M| at Tc: 4.8 (L = 64), 6.2 (L = 128).
# Metropolis's tau_int at Tc is 196 (L = 64) and 852 (L = 128): the break-even 80 x 5 = 400 keeps
# Metropolis at L = 64 (1.3x cheaper there) and picks SW at L = 128 (1.3x cheaper there).
CLUSTER_COST_RATIO = 80.0
CLUSTER_TAU = 5.0
_MIN_TAIL = 100  # sweeps of equilibrium tail before tau is trusted
_TAIL_TAUS = 25  # ... and at least this many tau_int


@dataclass
class TemperatureRecord:
    """What was done and measured at one temperature (stored in the sample set's attributes).

    Times in sweeps (one flip attempt per spin; one Swendsen-Wang update for the cluster algorithm).
    tau_* follow Sokal's convention (0.5 = uncorrelated): tau_energy/tau_abs_m from the equilibration
    run (they set ``thinning`` = ceil(thin * (tau + 2 sigma_tau)) of the larger one), *_final from
    everything after the burn-in including production; ``thinning_ok`` says whether the thinning
    still covers thin * tau_final. e_mc, abs_m_mc: Monte Carlo means over all production sweeps of
    all chains, errors from the spread of the chain means. ``metropolis_tau_lower_bound`` is set when
    "auto" moved the temperature to Swendsen-Wang; ``burn_in`` then counts the cluster sweeps.
    """

    T: float
    algorithm: str = "metropolis"
    chains: int = 0
    burn_in: int = 0
    mser_burn_in: int = 0
    tau_energy: float = float("nan")
    tau_energy_error: float = float("nan")
    tau_abs_m: float = float("nan")
    tau_abs_m_error: float = float("nan")
    tau_reliable: bool = False
    thinning: int = 0
    production_sweeps: int = 0
    samples: int = 0
    tau_energy_final: float = float("nan")
    tau_abs_m_final: float = float("nan")
    thinning_ok: bool = False
    metropolis_tau_lower_bound: float | None = None
    e_mc: float = float("nan")
    e_mc_error: float = float("nan")
    abs_m_mc: float = float("nan")
    abs_m_mc_error: float = float("nan")
    seconds: float = 0.0


@dataclass
class _State:
    rec: TemperatureRecord
    phase: str = "equilibrate"  # -> "produce" -> "done" | "handover"
    E: list = field(default_factory=list)  # per sweep: (chains,) float32 e = E/N
    A: list = field(default_factory=list)  # per sweep: (chains,) float32 |m|
    sweeps: int = 0
    next_check: int = 64
    prod_start: int = 0
    saves: list = field(default_factory=list)
    tau_lb: float = 0.0
    handover_spins: object = None


def _parse_algorithm(algorithm: str, h: float) -> str:
    if algorithm not in ALGORITHMS:
        raise InputError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    if algorithm == "cluster" and h != 0:
        raise InputError("the cluster algorithm (Swendsen-Wang) is implemented for h = 0 only; use "
                         "algorithm='metropolis' with a field")
    return algorithm


def _taus(st: _State, start: int) -> tuple:
    e = np.asarray(st.E[start:], dtype=np.float64).T  # (chains, n)
    a = np.asarray(st.A[start:], dtype=np.float64).T
    return integrated_time(e), integrated_time(a)


def _mc_means(st: _State, rec: TemperatureRecord) -> None:
    e = np.asarray(st.E[st.prod_start:], dtype=np.float64)
    a = np.asarray(st.A[st.prod_start:], dtype=np.float64)
    for arr, name in ((e, "e_mc"), (a, "abs_m_mc")):
        cm = arr.mean(0)  # chain means
        setattr(rec, name, float(cm.mean()))
        setattr(rec, name + "_error", float(cm.std(ddof=1) / math.sqrt(cm.size)) if cm.size > 1 else float("nan"))


def _drive(engine, states: list[_State], *, n_save: int, thin: float, mode: str, max_sweeps: int,
           handover_tau: float, sign_gen: torch.Generator, symmetric: bool) -> None:
    """Run ``engine`` (one entry of ``states`` per engine temperature, same order) until every
    temperature is "done" (samples taken) or "handover" (auto mode: better served by the cluster
    algorithm). Temperatures leave the engine as they finish."""
    N = engine.L * engine.L
    active = list(states)
    while active:
        t0 = time.perf_counter()
        engine.sweep(1)
        E, M = engine.measure()
        for i, st in enumerate(active):
            st.E.append((E[i] / N).astype(np.float32))
            st.A.append((np.abs(M[i]) / N).astype(np.float32))
            st.sweeps += 1
            if st.phase == "produce" and (st.sweeps - 1 - st.prod_start) % st.rec.thinning == 0:
                s = engine.spins(i)
                if symmetric:
                    sign = torch.randint(0, 2, (s.shape[0], 1, 1), generator=sign_gen, device=sign_gen.device)
                    s = s * (1 - 2 * sign.to(s.device, torch.int8))
                st.saves.append(s.cpu())
        dt = (time.perf_counter() - t0) / len(active)
        for st in active:
            st.rec.seconds += dt
        for st in active:
            if st.phase == "equilibrate" and st.sweeps >= st.next_check:
                st.next_check *= 2
                _check_equilibrium(st, n_save=n_save, thin=thin, mode=mode, handover_tau=handover_tau)
                if st.phase == "equilibrate" and st.sweeps >= max_sweeps:
                    raise InputError(
                        f"T={st.rec.T:g}: not equilibrated (or tau not measurable) within max_sweeps={max_sweeps} "
                        f"sweeps (tau_int >= {st.tau_lb:.0f}); raise max_sweeps (--max-sweeps) or use "
                        "algorithm='cluster' near Tc")
            elif st.phase == "produce" and len(st.saves) >= n_save:
                _finish(st, thin)
        keep = [i for i, st in enumerate(active) if st.phase not in ("done", "handover")]
        if len(keep) < len(active):
            for st in active:
                if st.phase == "handover":
                    st.handover_spins = engine.spins(active.index(st))
            if keep:
                engine.keep(keep)
            active = [active[i] for i in keep]


def _check_equilibrium(st: _State, *, n_save: int, thin: float, mode: str, handover_tau: float) -> None:
    e_bar = np.asarray(st.E, dtype=np.float64).mean(1)
    a_bar = np.asarray(st.A, dtype=np.float64).mean(1)
    d = max(mser_burn_in(e_bar), mser_burn_in(a_bar))
    tail = st.sweeps - d
    if tail < 8:
        return
    te, ta = _taus(st, d)
    tau = max(te.tau, ta.tau)
    reliable = te.reliable and ta.reliable
    st.tau_lb = tau if reliable else max(tau, tail / _TAIL_TAUS)
    if mode == "auto" and st.tau_lb > handover_tau:
        st.rec.metropolis_tau_lower_bound = float(st.tau_lb)
        st.phase = "handover"
        log.info("T=%.4g: Metropolis tau_int >= %.0f sweeps after %d sweeps -> Swendsen-Wang",
                 st.rec.T, st.tau_lb, st.sweeps)
        return
    if not (reliable and tail >= max(_MIN_TAIL, _TAIL_TAUS * tau)):
        return
    rec = st.rec
    rec.mser_burn_in, rec.burn_in = int(d), int(st.sweeps)
    rec.tau_energy, rec.tau_energy_error = float(te.tau), float(te.error)
    rec.tau_abs_m, rec.tau_abs_m_error = float(ta.tau), float(ta.error)
    rec.tau_reliable = True
    tau_hi = max(te.tau + 2 * te.error, ta.tau + 2 * ta.error)  # thin on the upper end of tau's range
    rec.thinning = max(1, int(math.ceil(thin * tau_hi)))
    st.phase, st.prod_start = "produce", st.sweeps
    log.info("T=%.4g: equilibrated after %d sweeps (MSER %d), tau_int E %.2f |m| %.2f -> every %d sweeps",
             rec.T, st.sweeps, d, te.tau, ta.tau, rec.thinning)


def _finish(st: _State, thin: float) -> None:
    rec = st.rec
    rec.production_sweeps = st.sweeps - st.prod_start
    te, ta = _taus(st, rec.mser_burn_in)  # the whole equilibrium run: pilot tail + production
    rec.tau_energy_final, rec.tau_abs_m_final = float(te.tau), float(ta.tau)
    rec.thinning_ok = bool(rec.thinning >= thin * max(te.tau, ta.tau) - 1e-9)
    _mc_means(st, rec)
    st.phase = "done"


def _chains_words(samples: int, chains: int | None) -> int:
    if chains is None:
        return int(np.clip(math.ceil(samples / (64 * 16)), 1, 8))
    if chains < 64 or chains % 64:
        raise InputError(f"chains must be a positive multiple of 64 (multi-spin words), got {chains}")
    return chains // 64


@contextmanager
def _torch_threads(n: int | None):
    old = torch.get_num_threads()
    if n:
        torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def simulate(size: int, temperatures, samples_per_temperature: int, seed: int, *, algorithm: str = "auto",
             J: float = 1.0, h: float = 0.0, device=None, chains: int | None = None, thin: float = 2.0,
             max_sweeps: int = 1_000_000, cluster_cost_ratio: float = CLUSTER_COST_RATIO,
             threads: int | None = 1):
    """Equilibrated, decorrelated Ising configurations at each temperature.

    Args:
        size: L (even, >= 4); periodic L x L lattice.
        temperatures: temperatures T > 0 (k_B = 1, units of J).
        samples_per_temperature: samples at each temperature.
        seed: integer seed; the same seed, settings and device give the same samples.
        algorithm: "auto" (per temperature, see the module docstring), "metropolis" or "cluster"
            (Swendsen-Wang everywhere; h = 0 only).
        J, h: coupling and field (H = -J sum s_i s_j - h sum s_i).
        device: torch device ("cpu", "cuda"); default CUDA when available, else CPU.
        chains: chains per temperature (multiple of 64); default 64 * ceil(samples / 1024), <= 512.
        thin: samples are thin * tau_int sweeps apart (>= 2 recommended).
        max_sweeps: give up (InputError) if a temperature is not equilibrated after this many sweeps.
        cluster_cost_ratio: cost of a Swendsen-Wang sweep relative to a Metropolis sweep, per spin.
        threads: torch CPU threads while simulating (restored afterwards); None keeps torch's setting.
            The kernels issue many small operations, and on the 2-core test machine one thread was
            several times faster than two (see benchmarks/RESULTS.md).

    Returns:
        SampleSet with samples (n_T * samples_per_temperature, L, L) int8, condition (N, 1) float64
        temperatures, attrs: domain, seed, producer, L, J, h, temperatures, algorithm, thin, order,
        per_temperature (list of :class:`TemperatureRecord` dicts), seconds.
    """
    L = check_size(size)
    temps = check_temperatures(temperatures)
    n = int(samples_per_temperature)
    if n != samples_per_temperature or n < 1:
        raise InputError(f"samples_per_temperature must be a positive integer, got {samples_per_temperature!r}")
    if seed is None or int(seed) != seed:
        raise InputError(f"seed must be an integer, got {seed!r}")
    if not (thin >= 1):
        raise InputError(f"thin must be >= 1 (samples thin * tau_int sweeps apart), got {thin}")
    if not math.isfinite(h) or not math.isfinite(J) or J == 0:
        raise InputError(f"J must be finite and non-zero and h finite, got J={J}, h={h}")
    algorithm = _parse_algorithm(algorithm, h)
    try:
        dev = torch.device(device if device is not None else ("cuda" if torch.cuda.is_available() else "cpu"))
    except RuntimeError as exc:
        raise InputError(f"device {device!r} is not a torch device ({exc}); use 'cpu' or 'cuda'") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {device!r}: no CUDA device is available here; use device='cpu'")
    W = _chains_words(n, chains)
    if threads is not None and int(threads) < 1:
        raise InputError(f"threads must be >= 1 or None, got {threads}")
    with _torch_threads(threads if dev.type == "cpu" else None):
        return _simulate(L, temps, n, int(seed), algorithm, float(J), float(h), dev, W, float(thin),
                         int(max_sweeps), float(cluster_cost_ratio))


def _simulate(L, temps, n, seed, algorithm, J, h, dev, W, thin, max_sweeps, cluster_cost_ratio):
    from scigen.io import SampleSet, provenance_attrs

    R = 64 * W
    n_save = math.ceil(n / R)
    ss = np.random.SeedSequence(int(seed))
    s_metro, s_sw, s_sign = (int(x.generate_state(1, np.uint64)[0] >> np.uint64(1)) for x in ss.spawn(3))
    sign_gen = torch.Generator(device=dev)
    sign_gen.manual_seed(s_sign)
    symmetric = h == 0
    t_start = time.perf_counter()
    states = [_State(TemperatureRecord(T=float(t), chains=R)) for t in temps]
    common = dict(n_save=n_save, thin=thin, max_sweeps=max_sweeps, sign_gen=sign_gen, symmetric=symmetric)

    handed = states if algorithm == "cluster" else []
    if algorithm != "cluster":
        engine = MultispinMetropolis(L, temps, words=W, generator=s_metro, J=J, h=h, device=dev)
        mode = "auto" if algorithm == "auto" and h == 0 else "metropolis"
        _drive(engine, states, mode=mode, handover_tau=cluster_cost_ratio * CLUSTER_TAU, **common)
        handed = [st for st in states if st.phase == "handover"]
    if handed:
        spins = None
        if algorithm == "auto":
            spins = torch.stack([st.handover_spins for st in handed])
        sw = SwendsenWang(L, [st.rec.T for st in handed], chains=R, generator=s_sw, J=J, device=dev, spins=spins)
        for st in handed:
            st.rec.algorithm = "swendsen-wang"
            st.phase, st.E, st.A, st.sweeps, st.next_check = "equilibrate", [], [], 0, 64
        _drive(sw, handed, mode="cluster", handover_tau=math.inf, **common)

    samples, cond, records = [], [], []
    for st in states:
        block = torch.stack(st.saves[:n_save])  # (n_save, R, L, L)
        block = block.transpose(0, 1).reshape(-1, L, L)[:n]  # chain-major, then time
        st.rec.samples = int(block.shape[0])
        samples.append(block.numpy())
        cond.append(np.full((block.shape[0], 1), st.rec.T))
        records.append(asdict(st.rec))
    seconds = time.perf_counter() - t_start
    producer = {"kind": "simulator", "name": "scigen.ising.simulate", "size": L,
                "temperatures": [float(t) for t in temps], "samples_per_temperature": n, "algorithm": algorithm,
                "J": float(J), "h": float(h), "chains": R, "thin": float(thin), "device": str(dev)}
    attrs = {**provenance_attrs("ising", seed=int(seed), producer=producer), **_domain_attrs(
        L, temps, J, h, algorithm, thin, R, records, seconds, dev)}
    return SampleSet(samples=np.concatenate(samples), condition=np.concatenate(cond), attrs=attrs)


def _domain_attrs(L, temps, J, h, algorithm, thin, R, records, seconds, dev) -> dict:
    return {
        "L": int(L), "J": float(J), "h": float(h), "temperatures": [float(t) for t in temps],
        "algorithm": algorithm, "thin": float(thin), "chains_per_temperature": int(R),
        "order": "temperature, chain, time", "per_temperature": records, "seconds": float(seconds),
        "device": str(dev), "symmetrised": bool(h == 0),
    }


def simulate_to_file(path, size: int, temperatures, samples_per_temperature: int, seed: int, **kwargs):
    """:func:`simulate` and write the set to ``path`` (HDF5, atomically). Returns the SampleSet."""
    from scigen.io import write_sample_set

    result = simulate(size, temperatures, samples_per_temperature, seed, **kwargs)
    keep = {k: v for k, v in result.attrs.items()
            if k not in ("schema", "domain", "seed", "producer", "scigen_version", "created")}
    write_sample_set(Path(path), result.samples, domain="ising", condition=result.condition, attrs=keep,
                     seed=int(seed), producer=result.attrs["producer"])
    result.path = Path(path)
    return result


def short_chains(path, size: int, temperatures, samples_per_temperature: int, sweeps: int, seed: int):
    """The no-GAN control of ``generate(..., refine_sweeps=sweeps)``: ``sweeps`` checkerboard Metropolis
    sweeps (:func:`~scigen.ising.kernels.metropolis_sweep`) from ``simulate``'s starting states
    (ordered with a random global sign below Tc, random above), one chain per sample, no burn-in
    check. Writes an Ising sample set to ``path`` (samples (N, L, L) int8, condition (N, 1) = T) and
    returns the path. What the GAN adds over these states is what refinement owes to the GAN.
    """
    from scigen.io import write_sample_set
    from scigen.ising.exact import TC
    from scigen.ising.kernels import metropolis_sweep

    L, temps = check_size(size), check_temperatures(temperatures)
    n, g = int(samples_per_temperature), torch.Generator().manual_seed(int(seed))
    out = []
    for T in temps:
        if T < TC:
            s = (1 - 2 * torch.randint(0, 2, (n, 1, 1), generator=g)).to(torch.int8).expand(n, L, L).contiguous()
        else:
            s = (1 - 2 * torch.randint(0, 2, (n, L, L), generator=g)).to(torch.int8)
        for _ in range(int(sweeps)):
            metropolis_sweep(s, torch.full((n,), 1.0 / T), g)
        out.append(s.numpy())
    condition = np.repeat(np.asarray(temps, dtype=np.float64), n)[:, None]
    return write_sample_set(path, np.concatenate(out), domain="ising", condition=condition, seed=int(seed),
                            attrs={"L": L, "temperatures": [float(t) for t in temps], "condition_names": ["T"]},
                            producer={"kind": "simulator", "name": "short Metropolis chains (refinement control)",
                                      "sweeps": int(sweeps)})
