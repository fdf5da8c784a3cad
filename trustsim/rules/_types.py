"""Type aliases shared by the rules: every rule accepts a scalar or an array."""

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: A real number or an array of them (any float or integer dtype).
FloatLike: TypeAlias = float | np.floating[Any] | NDArray[Any]
#: A truth value or an array of them.
BoolLike: TypeAlias = bool | np.bool_ | NDArray[Any]

__all__ = ["ArrayLike", "BoolLike", "FloatLike", "NDArray"]
