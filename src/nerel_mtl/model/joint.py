"""The joint model: one encoder, a token head and a document head, trained on a combined loss."""

import torch
from torch import nn

from nerel_mtl.model.heads import DOCUMENT_HEADS, TokenHead


class JointModel(nn.Module):
    def __init__(self, encoder: nn.Module, num_ner_labels: int, num_cls_labels: int, crf: bool,
                 dropout: float, loss: nn.Module, document_head: str = "attention_max"):
        super().__init__()
        self.encoder = encoder
        self.token_head = TokenHead(encoder.dim, num_ner_labels, crf)
        self.document_head = DOCUMENT_HEADS[document_head](encoder.dim, num_cls_labels, dropout)
        self.loss_weighting = loss
        # Weights of the positive term of each CLS label's loss; None weighs all labels alike.
        self.register_buffer("cls_positive_weight", None, persistent=False)

    def forward(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (hidden states [windows, time, dim], CLS logits [documents, labels])."""
        hidden = self.encoder(batch)
        logits = self.document_head(hidden, batch["first"], batch["window_doc"], batch["num_docs"])
        return hidden, logits

    def losses(self, batch: dict) -> dict:
        """Return the task losses "ner" and "cls" and their combination "total"."""
        hidden, logits = self(batch)
        losses = {
            "ner": self.token_head.loss(hidden, batch["head"], batch["labels"]),
            "cls": nn.functional.binary_cross_entropy_with_logits(logits, batch["cls"],
                                                                  pos_weight=self.cls_positive_weight),
        }
        losses["total"] = self.loss_weighting(losses)
        return losses

    def predict(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (label id per position, -1 off the token head; CLS probabilities)."""
        hidden, logits = self(batch)
        return self.token_head.decode(hidden, batch["head"]), torch.sigmoid(logits)
