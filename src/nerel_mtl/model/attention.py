"""Self-attention layers over the BiLSTM outputs of a window."""

import torch
from torch import nn
from torch.nn import functional


class SelfAttentionLayer(nn.Module):
    """A pre-norm transformer layer: multi-head self-attention over the words of a window, then a
    feed-forward block, each added to its input.

    Every projection is a plain nn.Linear called as a module, so dynamic INT8 quantization
    converts all of them. nn.MultiheadAttention passes its output projection's weight to a
    function instead of calling the module.
    """

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        if dim % heads:
            raise ValueError(f"model.attention_heads: invalid value {heads}; it must divide the BiLSTM "
                             f"output size {dim} (2 * model.hidden_size), for example 8")
        self.heads = heads
        self.attention_norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.output = nn.Linear(dim, dim)
        self.feed_forward_norm = nn.LayerNorm(dim)
        self.feed_forward = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.dropout = nn.Dropout(dropout)

    def forward(self, hidden: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        windows, time, dim = hidden.shape
        query, key, value = (self.qkv(self.attention_norm(hidden))
                             .view(windows, time, 3, self.heads, dim // self.heads)
                             .permute(2, 0, 3, 1, 4))
        # Words attend to the real words of their window only, never to padding.
        real = (torch.arange(time).unsqueeze(0) < lengths.unsqueeze(1))[:, None, None, :]
        attended = functional.scaled_dot_product_attention(query, key, value, attn_mask=real)
        hidden = hidden + self.dropout(self.output(attended.transpose(1, 2).reshape(windows, time, dim)))
        return hidden + self.dropout(self.feed_forward(self.feed_forward_norm(hidden)))
