"""scikit-learn base classes when scikit-learn is installed, a minimal stand-in otherwise.

Estimators of lralg derive from ``BaseEstimator`` and ``TransformerMixin`` of
this module, so they are full scikit-learn estimators where scikit-learn is
present and still work (get_params/set_params/fit_transform) where it is not.
"""

from __future__ import annotations

import inspect

try:  # pragma: no cover - the branch taken depends on the environment
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils.validation import check_is_fitted

    HAS_SKLEARN = True
except ImportError:  # pragma: no cover
    HAS_SKLEARN = False

    class BaseEstimator:
        """get_params / set_params from the signature of __init__, as scikit-learn does."""

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p.name for p in sig.parameters.values() if p.name != "self")

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}")
                setattr(self, key, value)
            return self

        def __repr__(self):
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            return f"{type(self).__name__}({args})"

    class TransformerMixin:
        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, y, **fit_params).transform(X)

    class NotFittedError(ValueError, AttributeError):
        pass

    def check_is_fitted(estimator, attributes=None):
        fitted = [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]
        if not fitted:
            raise NotFittedError(
                f"This {type(estimator).__name__} instance is not fitted yet; call fit first"
            )


__all__ = ["BaseEstimator", "TransformerMixin", "check_is_fitted", "HAS_SKLEARN"]
