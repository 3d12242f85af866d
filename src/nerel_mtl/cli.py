"""Command line of nerel-mtl: `python -m nerel_mtl predict ...` (also installed as `nerel-mtl`).

    python -m nerel_mtl predict --model models/int8 news/*.txt > entities.jsonl
    python -m nerel_mtl predict --model models/int8 --format brat --output-dir out/ news/*.txt
    echo "Иван Петров живёт в Москве." | python -m nerel_mtl predict --model models/fp32 -

Exit codes: 0 on success, 2 for invalid arguments or input (nothing is written then).
"""

import argparse
import logging
import sys

from nerel_mtl.params import ParamError, setup_logging

logger = logging.getLogger("nerel_mtl.cli")

EXIT_INVALID = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nerel-mtl", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    predict = commands.add_parser(
        "predict",
        help="extract entities and document relation labels from UTF-8 text files",
        description="Extract entities (character offsets into each file's text) and the relation "
        "types present in each document.",
    )
    predict.add_argument("files", nargs="+", metavar="FILE", help="UTF-8 text files; '-' reads stdin")
    predict.add_argument("--model", required=True, help="model folder, e.g. models/int8 or models/fp32")
    predict.add_argument("--format", choices=("json", "brat"), default="json",
                         help="json: one JSON line per file (default); brat: NAME.ann + NAME.txt per file")
    predict.add_argument("--output", help="json: write the JSON lines to this file instead of stdout")
    predict.add_argument("--output-dir", help="brat: folder for NAME.ann and the copied NAME.txt")
    predict.add_argument("--all-scores", action="store_true",
                         help="json: add every relation label's score, not only those over the threshold")
    predict.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    predict.add_argument("--batch-words", type=int, help="words per model batch (default: the predictor's)")
    predict.set_defaults(run=run_predict)
    return parser


def main(argv=None) -> int:
    setup_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.run(parser, args)


def run_predict(parser, args) -> int:
    from nerel_mtl import predict
    from nerel_mtl.inference import load_predictor

    if args.format == "brat" and not args.output_dir:
        parser.error("--format brat needs --output-dir")
    if args.format == "json" and args.output_dir:
        parser.error("--output-dir is for --format brat; use --output for JSON lines")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads: invalid value {args.threads}; expected an integer >= 1")

    try:
        inputs = predict.read_inputs(args.files)
        if args.format == "brat":
            predict.brat_names(inputs)
    except predict.InputError as error:
        logger.error("%s", error)
        return EXIT_INVALID

    try:
        predictor = load_predictor(args.model, threads=args.threads)
    except (FileNotFoundError, ParamError) as error:
        logger.error("%s", error)
        return EXIT_INVALID
    records = predict.predict_inputs(predictor, inputs, args.all_scores, args.batch_words)

    if args.format == "brat":
        predict.write_brat(records, inputs, args.output_dir)
    elif args.output:
        predict.write_atomic(args.output, predict.json_lines(records))
    else:
        sys.stdout.buffer.write(predict.json_lines(records))
        sys.stdout.flush()
    return 0
