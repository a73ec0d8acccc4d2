"""``ACGANClassifier``: disease prediction by the class head of an AC-GAN, and class-conditional records.

    clf = ACGANClassifier(seed=0).fit(train)               # label column in the table (or fit(X, y))
    prob = clf.predict_proba(test)[:, 1]                   # (N, K) class probabilities
    clf.score(test)                                        # AUROC (one-vs-rest macro for K > 2)
    fake = clf.generate(500, label=1)                      # DataFrame: original columns, types, categories
    clf.save("runs/acgan"); clf = ACGANClassifier.load("runs/acgan")

Following Hwang, Choi & Yoon (arXiv:1711.04126), records with missing entries are first completed
by a :class:`~scigen.ehr.imputer.DenoisingImputer` fitted on the training records (kept with the
classifier and applied again at prediction time); the AC-GAN (:class:`scigen.ehr.models.ACGAN`)
then trains on the completed records through the engine. A stratified ``val_fraction`` of the
training records is held out; the discriminator's class head is scored on it every ``eval_every``
steps and the step with the lowest validation log-loss is kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from scigen.ehr.schema import Schema, infer_schema, schema_of
from scigen.ehr.training import as_frame, checkpoint_extra, generator_for, load_run, train
from scigen.errors import InputError

_SETTINGS = ("latent_dim", "hidden", "layers", "dropout", "steps", "batch_size", "lr", "class_weight",
             "fake_class_weight", "tau", "r1", "val_fraction", "eval_every", "seed")


class ACGANClassifier(ClassifierMixin, BaseEstimator):
    """AC-GAN disease predictor with scikit-learn's fit / predict / predict_proba / score.

    Args:
        schema: the table's schema with its label (default: attached to the DataFrame, else inferred
            with ``label``).
        label: the label column when the schema is inferred (or the name given to ``y``).
        imputer: "auto" (a default :class:`DenoisingImputer` when the training records have missing
            entries), an unfitted imputer estimator to clone, or None (records must be complete).
        latent_dim, hidden, layers, dropout, lr, class_weight, fake_class_weight, tau, r1: the
            :class:`~scigen.ehr.models.ACGAN` settings.
        steps, batch_size: engine training length and batch.
        val_fraction: stratified share of the training records held out to select the step.
        eval_every: steps between validation evaluations.
        seed: initialisation, data order, noise, the validation split and the imputer's seed.
        out_dir: keep the run directory here (the imputer's run in ``out_dir/imputer``).
        device, threads, progress: engine settings.

    ``score`` is the AUROC (one-vs-rest macro average for more than two classes), not accuracy.
    """

    def __init__(self, schema: Schema | None = None, label: str | None = None, imputer="auto", latent_dim: int = 32,
                 hidden: int = 256, layers: int = 2, dropout: float = 0.0, steps: int = 3000, batch_size: int = 64,
                 lr: float = 2e-4, class_weight: float = 1.0, fake_class_weight: float = 0.5, tau: float = 0.5,
                 r1: float = 1.0, val_fraction: float = 0.2, eval_every: int = 100, seed: int = 0, out_dir=None,
                 device: str = "auto", threads: int | None = None, progress: bool | None = None) -> None:
        self.schema = schema
        self.label = label
        self.imputer = imputer
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.layers = layers
        self.dropout = dropout
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.class_weight = class_weight
        self.fake_class_weight = fake_class_weight
        self.tau = tau
        self.r1 = r1
        self.val_fraction = val_fraction
        self.eval_every = eval_every
        self.seed = seed
        self.out_dir = out_dir
        self.device = device
        self.threads = threads
        self.progress = progress

    # -- fit ----------------------------------------------------------------------------------
    def _training_table(self, X, y) -> tuple[pd.DataFrame, Schema]:
        df, _ = as_frame(X)
        if y is not None:
            name = self.label or (self.schema.label if self.schema is not None else None) or getattr(y, "name", None)
            name = name or "label"
            y = np.asarray(y)
            if len(y) != len(df):
                raise InputError(f"X has {len(df)} rows but y has {len(y)} labels")
            df = df.copy()
            df[name] = y
        else:
            name = self.label or (self.schema.label if self.schema is not None else None)
        schema = self.schema or schema_of(df, label=name)
        if schema.label is None or (name is not None and schema.label != name):
            schema = infer_schema(df, label=name or schema.label, id=schema.id)
        if schema.label is None:
            raise InputError("ACGANClassifier needs labels: pass y, or label= naming the label column of X")
        return schema.conform(df), schema

    def fit(self, X, y=None) -> "ACGANClassifier":
        import torch
        from sklearn.model_selection import train_test_split

        from scigen.ehr.encoding import TableEncoder
        from scigen.ehr.imputer import DenoisingImputer
        from scigen.ehr.models import ACGAN, encoder_state
        from scigen.engine import ArrayDataset, seeded

        df, schema = self._training_table(X, y)
        observed, imputer = df, None
        if df[schema.feature_names].isna().to_numpy().any():
            if self.imputer is None:
                raise InputError("the training records have missing entries and imputer=None: impute them first "
                                 "(e.g. a Pipeline with DenoisingImputer) or leave imputer='auto'")
            if isinstance(self.imputer, str) and self.imputer != "auto":
                raise InputError(f"imputer must be 'auto', an imputer estimator or None, got {self.imputer!r}")
            imputer = (DenoisingImputer(schema=schema, seed=self.seed) if isinstance(self.imputer, str)
                       else clone(self.imputer))
            if self.out_dir is not None and hasattr(imputer, "out_dir"):
                imputer.set_params(out_dir=Path(self.out_dir) / "imputer")
            df = imputer.fit(df).transform(df)
        state = encoder_state(df, schema, grids_from=None if imputer is None else observed)
        enc = TableEncoder.from_dict(state)
        codes = enc.encode_labels(df)
        prior = np.bincount(codes, minlength=len(schema[schema.label].categories)).astype(float)
        if (prior == 0).any():
            missing = [c for c, n in zip(schema[schema.label].categories, prior) if n == 0]
            raise InputError(f"label '{schema.label}' level(s) {missing} have no training record; every class needs some")
        x = torch.from_numpy(enc.transform(df).values.astype(np.float32))
        y_all = torch.from_numpy(codes)
        idx = np.arange(len(df))
        if self.val_fraction > 0:
            tr, va = train_test_split(idx, test_size=self.val_fraction, random_state=self.seed, stratify=codes)
        else:
            tr, va = idx, idx[:0]
        with seeded(self.seed):
            model = ACGAN(state, (prior / prior.sum()).tolist(), latent_dim=self.latent_dim, hidden=self.hidden,
                          layers=self.layers, dropout=self.dropout, lr=self.lr, class_weight=self.class_weight,
                          fake_class_weight=self.fake_class_weight, tau=self.tau, r1=self.r1)
        evaluate = _validation(x[va], codes[va]) if len(va) and len(np.unique(codes[va])) > 1 else None
        extra = {"estimator": "ACGANClassifier", "settings": {k: getattr(self, k) for k in _SETTINGS}}
        model, result, final = train(
            model, ArrayDataset(samples=x[tr], labels=y_all[tr]), steps=self.steps, batch_size=self.batch_size,
            seed=self.seed, evaluate=evaluate, select_metric="val_logloss", select_mode="min",
            eval_every=self.eval_every, out_dir=self.out_dir, device=self.device, threads=self.threads,
            progress=self.progress, extra=extra, return_final=True)
        self._set_fitted(model, imputer, final)
        self.fit_info_ = {"steps": result.steps, "elapsed_s": result.elapsed_s, "best": result.best,
                          "n_train": int(len(tr)), "n_validation": int(len(va)),
                          **({"validation": evaluate(model)} if evaluate else {})}
        return self

    def _set_fitted(self, model, imputer, generator=None) -> None:
        self.model_ = model
        self.generator_model_ = model if generator is None else generator
        self.encoder_ = model.layout.encoder
        self.schema_ = self.encoder_.schema
        self.imputer_ = imputer
        self.classes_ = np.array(self.schema_[self.schema_.label].categories, dtype=object)
        self.label_ = self.schema_.label
        self.n_features_in_ = len(self.schema_.feature_names)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise InputError("ACGANClassifier is not fitted: call fit first (or ACGANClassifier.load(dir))")

    # -- predict ------------------------------------------------------------------------------
    def _encode(self, X):
        import torch

        self._check_fitted()
        df, _ = as_frame(X, self.schema_.feature_names if not isinstance(X, pd.DataFrame) else None)
        self.schema_.validate(df, require_label=False)
        if df[self.schema_.feature_names].isna().to_numpy().any():
            if self.imputer_ is None:
                raise InputError("these records have missing entries, but the classifier was trained on complete "
                                 "ones without an imputer: impute them first (DenoisingImputer)")
            df = self.imputer_.transform(df)
        return torch.from_numpy(np.nan_to_num(self.encoder_.transform(df).values).astype(np.float32))

    def predict_proba(self, X) -> np.ndarray:
        """(N, K) class probabilities from the discriminator's class head (columns: ``classes_``)."""
        self._check_fitted()
        return self.model_.predict_proba(self._encode(X)).cpu().numpy().astype(np.float64)

    def predict(self, X) -> np.ndarray:
        """(N,) the most probable class of each record (values of the label column)."""
        self._check_fitted()
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X, y=None, sample_weight=None) -> float:
        """AUROC of ``predict_proba`` against the labels (``y``, else X's label column); macro OvR for K > 2."""
        from scigen.ehr.metrics import prediction_scores

        self._check_fitted()
        if y is None:
            if not isinstance(X, pd.DataFrame) or self.label_ not in X.columns:
                raise InputError(f"score needs y or the label column '{self.label_}' in X")
            y = X[self.label_]
        codes = np.array([self.label_code(v) for v in np.asarray(y, dtype=object)], dtype=np.int64)
        return float(prediction_scores(codes, self.predict_proba(X), n_boot=0)["auroc"]["value"])

    # -- generate -----------------------------------------------------------------------------
    def label_code(self, label) -> int:
        """The class index of a label value; strings are matched to the levels' text ("1" -> 1)."""
        self._check_fitted()
        levels = list(self.classes_)
        if label in levels:
            return levels.index(label)
        text = [str(v) for v in levels]
        if str(label) in text:
            return text.index(str(label))
        raise InputError(f"label {label!r} is not a class of '{self.label_}'; classes: {levels}")

    def generate(self, n: int, label=None, *, seed: int = 0) -> pd.DataFrame:
        """``n`` synthetic records of class ``label`` (or classes drawn with the training frequencies).

        Returns a DataFrame with the feature columns and the label column in the table's order, dtypes
        and categories (numeric values rounded to the decimals the data carried, clipped to its range).
        Columns measured on a grid (a few distinct values, each repeated: a lab value in steps of 0.1, a
        score) stay on the training records' values (``TableEncoder.support_``). A table with an id
        column gets one too, with ids that name no patient: -1, -2, ... for integer
        ids, "synthetic-1", ... for text ids (so the output has the real table's columns and
        ``scigen validate --real records.csv --fake synthetic.csv`` pairs them).
        """
        import torch

        self._check_fitted()
        if n < 1:
            raise InputError(f"n must be at least 1, got {n}")
        g = generator_for(seed, 0)
        codes = None if label is None else torch.full((n,), self.label_code(label), dtype=torch.long)
        values, codes = self.generator_model_.sample_labeled(n, codes, g)
        ids = None
        if self.schema_.id is not None:
            integer = pd.api.types.is_integer_dtype(pd.api.types.pandas_dtype(self.schema_[self.schema_.id].dtype))
            ids = -np.arange(1, n + 1) if integer else np.array([f"synthetic-{i}" for i in range(1, n + 1)], dtype=object)
        return self.encoder_.inverse_transform(values.cpu().numpy(), label_codes=codes.numpy(), ids=ids, snap=True)

    # -- persistence --------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write the classifier (and its imputer, in ``path/imputer``) as engine checkpoints."""
        from scigen.engine import save_checkpoint

        self._check_fitted()
        path = Path(path)
        extra = {"estimator": "ACGANClassifier", "settings": {k: getattr(self, k) for k in _SETTINGS}}
        save_checkpoint(path, self.model_, extra=extra)
        if self.generator_model_ is not self.model_:
            save_checkpoint(path / "generator", self.generator_model_, extra=extra)
        if self.imputer_ is not None:
            self.imputer_.save(path / "imputer")
        return path

    @classmethod
    def load(cls, path) -> "ACGANClassifier":
        """A fitted classifier from :meth:`save`'s directory or a fit's ``out_dir``."""
        from scigen.ehr.imputer import DenoisingImputer
        from scigen.engine import load_model

        model = load_run(path, "ehr.acgan")
        extra = checkpoint_extra(model)
        est = cls(**{k: v for k, v in extra["settings"].items() if k in _SETTINGS})
        imp_dir, gen_dir = Path(path) / "imputer", Path(path) / "generator"
        imputer = DenoisingImputer.load(imp_dir) if imp_dir.is_dir() else None
        if gen_dir.is_dir():  # save()'s directory
            generator = load_model(gen_dir, expected="ehr.acgan")
        elif (Path(path) / "checkpoints").is_dir():  # a fit's out_dir: its last step
            generator = load_model(path, expected="ehr.acgan", which="latest")
        else:  # saved before records came from the last step: the chosen step draws them
            generator = None
        est._set_fitted(model, imputer, generator)
        return est


def _validation(x_val, y_val):
    """The engine's ``evaluate``: log-loss and AUROC of the class head on the validation records."""
    import torch

    from scigen.ehr.metrics import prediction_scores

    y_t = torch.from_numpy(np.asarray(y_val))

    def evaluate(model) -> dict[str, float]:
        prob = model.predict_proba(x_val).cpu()
        logloss = float(torch.nn.functional.nll_loss(torch.log(prob.clamp_min(1e-12)), y_t))
        auc = prediction_scores(np.asarray(y_val), prob.numpy().astype(np.float64), n_boot=0)["auroc"]["value"]
        return {"val_logloss": logloss, "val_auroc": float(auc)}

    return evaluate
