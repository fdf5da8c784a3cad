"""Model rules: pure NumPy functions, one mechanism per module.

Every rule takes scalars or arrays (broadcasting) plus parameters and returns new values;
none draws random numbers or mutates its inputs. The engines draw the randomness and call
these functions either per customer (agents engine) or on whole arrays.
"""
