"""Model rules: one mechanism per module, each function readable as its equation in
docs/model.md.

The rules that act on one person are scalar functions compiled with numba
(:func:`trustsim.compiled.njit`: no fastmath, ``math.*`` functions, results identical to
their Python versions, kept as ``function.py_func``). They take and return plain numbers
(floats, ints, bools; a few return a NamedTuple of them); none draws random numbers or
mutates its inputs. Both engines reach them through the per-customer step of
:mod:`trustsim.model.phases`, which draws the counter-based random numbers: the vectorized
engine in compiled loops over the customers, the agents engine one Mesa agent at a time,
with identical results. Rules applied once per step to whole-population totals (the step's
economics, the net promoter score) are plain Python functions.
"""
