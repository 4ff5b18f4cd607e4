"""The op table: one prover per integer primitive of :mod:`veriml.ir`.

Adding a primitive = one class (in a file of its family) + one line here.
"""

from .arith import Add, Mul, ScaleConst, Sub
from .compare import Clamp, Cmp, Max, Min, Sign
from .conv import Conv
from .divide import Div, Isqrt
from .index import Concat, Gather, Reshape
from .leaves import Const, Input
from .linear import MatMul, Sum
from .lookup import Lookup
from .rescale import Rescale

OPS = {
    "input": Input(),
    "const": Const(),
    "add": Add(),
    "sub": Sub(),
    "mul": Mul(),
    "scale_const": ScaleConst(),
    "sum": Sum(),
    "matmul": MatMul(),
    "conv": Conv(),
    "gather": Gather(),
    "reshape": Reshape(),
    "concat": Concat(),
    "rescale": Rescale(),
    "max": Max(),
    "min": Min(),
    "clamp": Clamp(),
    "cmp": Cmp(),
    "sign": Sign(),
    "div": Div(),
    "isqrt": Isqrt(),
    "lookup": Lookup(),
}
