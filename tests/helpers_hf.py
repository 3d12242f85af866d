"""Test helpers: a tiny local Hugging Face encoder and small parsed-format documents.

The encoder is a 2-layer BERT (hidden size 32) with a WordPiece tokenizer trained on fixture
text, saved to a folder that code loads by path. The documents are encoded the way stage
tokenize does."""
from pathlib import Path

FIXTURE_TEXT = [
    "Иван Петров работает в компании Газпром в Москве с 2010 года.",
    "Президент России Владимир Путин посетил Санкт-Петербург 5 августа.",
    "Американцы задержаны в Бишкеке, сообщили правоохранительные органы Киргизии.",
]


def build_tiny_hf(folder, texts=FIXTURE_TEXT, vocab_size: int = 300) -> Path:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    folder = Path(folder)
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=special))
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", tokenizer.token_to_id("[CLS]")), ("[SEP]", tokenizer.token_to_id("[SEP]"))])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    fast.save_pretrained(str(folder))

    config = BertConfig(vocab_size=tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    BertModel(config, add_pooling_layer=False).save_pretrained(str(folder))
    return folder


SAMPLE_TEXTS = [
    ("Иван Петров работает в компании Газпром. Он живёт в Москве с 2010 года.",
     [("PERSON", "Иван Петров"), ("ORGANIZATION", "Газпром"), ("CITY", "Москве"), ("DATE", "2010 года")],
     ["WORKS_AS", "LIVES_IN"]),
    ("Президент России Владимир Путин посетил Санкт-Петербург 5 августа.",
     [("COUNTRY", "России"), ("PERSON", "Владимир Путин"), ("CITY", "Санкт-Петербург"), ("DATE", "5 августа")],
     ["HEADQUARTERED_IN"]),
    ("Американцы задержаны в Бишкеке, сообщили органы Киргизии.",
     [("CITY", "Бишкеке"), ("COUNTRY", "Киргизии")],
     []),
    ("Погода сегодня хорошая.", [], []),
    ("", [], []),
]
ENTITY_TYPES = ["CITY", "COUNTRY", "DATE", "ORGANIZATION", "PERSON"]
RELATION_TYPES = ["HEADQUARTERED_IN", "LIVES_IN", "WORKS_AS"]


def sample_docs() -> list[dict]:
    """Small documents in the data/parsed format, including one without entities and an
    empty one."""
    from nerel_mtl.bio import spans_to_tags
    from nerel_mtl.words import tokenize_words

    docs = []
    for number, (text, entities, relations) in enumerate(SAMPLE_TEXTS):
        words = tokenize_words(text)
        spans = []
        for type, surface in entities:
            start = text.index(surface)
            stop = start + len(surface)
            indices = [index for index, (begin, end) in enumerate(words) if begin >= start and end <= stop]
            spans.append((type, indices[0], indices[-1] + 1))
        docs.append({"id": f"doc{number}", "text": text, "words": [list(word) for word in words],
                     "ner_tags": spans_to_tags(spans, len(words)), "cls_labels": sorted(relations)})
    return docs


def model_config(encoder: str, **model) -> dict:
    from nerel_mtl.bio import ner_labels

    params = {"encoder": encoder, "pretrained": "", "char_dim": 8, "char_filters": 16, "shape_dim": 4,
              "hidden_size": 16, "num_layers": 2, "dropout": 0.1, "crf": True, "freeze_embeddings": True}
    params.update(model)
    return {
        "model": params,
        "loss": {"weighting": "uncertainty", "fixed_weights": {"ner": 1.0, "cls": 1.0},
                 "log_var_min": -4.0, "log_var_max": 4.0},
        "tokenize": {"max_length": 16, "stride": 4, "label_all_tokens": False, "navec_top_words": 100},
        "ner_labels": ner_labels(ENTITY_TYPES),
        "cls_labels": RELATION_TYPES,
        "num_words": None, "word_dim": None, "num_chars": None,
        "thresholds": [0.5] * len(RELATION_TYPES),
        "quantization": None,
    }


def prepare(encoder: str, folder, docs, **model):
    """Write the encoder assets to `folder` the way stage tokenize does and encode `docs`.

    Returns (config, encoded docs, embedding table or None, pretrained folder or None).
    """
    import torch

    from nerel_mtl.dataset import ENCODER_DIR, TOKENIZER_DIR, encode_document, make_featurizer
    from nerel_mtl.vocab import build_vocab, embedding_table, load_navec

    folder = Path(folder)
    config = model_config(encoder, **model)
    table = None
    pretrained = None
    if encoder == "navec":
        navec = load_navec()
        words = [[doc["text"][start:stop] for start, stop in doc["words"]] for doc in docs]
        vocab = build_vocab(navec, words, config["tokenize"]["navec_top_words"])
        vocab.save(folder)
        table = torch.from_numpy(embedding_table(navec, vocab))
        config.update(num_words=len(vocab.words), word_dim=table.shape[1], num_chars=len(vocab.chars))
    else:
        from transformers import AutoConfig, AutoTokenizer

        pretrained = build_tiny_hf(folder / "pretrained")
        AutoTokenizer.from_pretrained(str(pretrained)).save_pretrained(str(folder / TOKENIZER_DIR))
        AutoConfig.from_pretrained(str(pretrained)).save_pretrained(str(folder / ENCODER_DIR))
        config["model"]["pretrained"] = str(pretrained)
    featurizer = make_featurizer(config, folder)
    encoded = [encode_document(featurizer, doc, config["ner_labels"], config["cls_labels"]) for doc in docs]
    return config, encoded, table, pretrained
