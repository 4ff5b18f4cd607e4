"""OP_TABLE: ONNX op type -> lowering function.  Adding an op = one function + one line here."""

from veriml.onnx.ops import activation as A
from veriml.onnx.ops import linear as L
from veriml.onnx.ops import logic as G
from veriml.onnx.ops import math as M
from veriml.onnx.ops import norm as N
from veriml.onnx.ops import pool as P
from veriml.onnx.ops import reduce as R
from veriml.onnx.ops import rnn as RNN
from veriml.onnx.ops import shape as S

OP_TABLE = {
    # linear
    "Gemm": L.Gemm, "MatMul": L.MatMul, "Conv": L.Conv, "ConvTranspose": L.ConvTranspose,
    "BatchNormalization": L.BatchNormalization,
    # arithmetic
    "Add": M.Add, "Sub": M.Sub, "Mul": M.Mul, "Div": M.Div, "Neg": M.Neg, "Abs": M.Abs,
    "Sign": M.Sign, "Sqrt": M.Sqrt, "Reciprocal": M.Reciprocal, "Exp": M.Exp, "Log": M.Log,
    "Erf": M.Erf, "Pow": M.Pow, "Floor": M.Floor, "Ceil": M.Ceil, "Round": M.Round,
    "Sum": M.Sum, "Max": M.Max, "Min": M.Min, "Mean": M.Mean,
    "Sin": M.Sin, "Cos": M.Cos, "Tan": M.Tan, "Atan": M.Atan, "Asin": M.Asin, "Acos": M.Acos,
    # activations
    "Relu": A.Relu, "LeakyRelu": A.LeakyRelu, "PRelu": A.PRelu, "Elu": A.Elu, "Selu": A.Selu,
    "Celu": A.Celu, "Clip": A.Clip, "Sigmoid": A.Sigmoid, "HardSigmoid": A.HardSigmoid,
    "HardSwish": A.HardSwish, "Tanh": A.Tanh, "Softplus": A.Softplus, "Softsign": A.Softsign,
    "Gelu": A.Gelu, "Mish": A.Mish, "Softmax": A.Softmax, "LogSoftmax": A.LogSoftmax,
    # normalization
    "LayerNormalization": N.LayerNormalization, "InstanceNormalization": N.InstanceNormalization,
    # pooling
    "MaxPool": P.MaxPool, "AveragePool": P.AveragePool, "GlobalAveragePool": P.GlobalAveragePool,
    "GlobalMaxPool": P.GlobalMaxPool, "LpPool": P.LpPool,
    # reductions
    "ReduceSum": R.ReduceSum, "ReduceMean": R.ReduceMean, "ReduceMax": R.ReduceMax,
    "ReduceMin": R.ReduceMin, "ReduceL1": R.ReduceL1, "ReduceL2": R.ReduceL2,
    "ReduceSumSquare": R.ReduceSumSquare, "ReduceLogSumExp": R.ReduceLogSumExp, "ArgMax": R.ArgMax, "ArgMin": R.ArgMin, "TopK": R.TopK,
    # data movement
    "Identity": S.Identity, "Dropout": S.Dropout, "Reshape": S.Reshape, "Flatten": S.Flatten,
    "Transpose": S.Transpose, "Squeeze": S.Squeeze, "Unsqueeze": S.Unsqueeze, "Concat": S.Concat,
    "Slice": S.Slice, "Split": S.Split, "Pad": S.Pad, "Tile": S.Tile, "Expand": S.Expand,
    "Gather": S.Gather, "GatherElements": S.GatherElements, "GatherND": S.GatherND,
    "ScatterElements": S.ScatterElements, "ScatterND": S.ScatterND, "OneHot": S.OneHot, "Shape": S.Shape, "Size": S.Size,
    "Cast": S.Cast, "Trilu": S.Trilu, "DepthToSpace": S.DepthToSpace,
    "SpaceToDepth": S.SpaceToDepth, "Resize": S.Resize, "Upsample": S.Resize,
    # logic
    "Less": G.Less, "Greater": G.Greater, "LessOrEqual": G.LessOrEqual,
    "GreaterOrEqual": G.GreaterOrEqual, "Equal": G.Equal, "Not": G.Not, "And": G.And, "Or": G.Or,
    "Xor": G.Xor, "Where": G.Where,
    # recurrent (unrolled)
    "LSTM": RNN.LSTM, "GRU": RNN.GRU, "RNN": RNN.RNN,
}
