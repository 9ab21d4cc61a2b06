"""The `rag` command line: a few verbs whose bodies are calls into `rag/`.

Flags map one to one onto `Settings` fields; a flag left out falls back to `RAG_*` variables, then
`rag.toml`, then the defaults. Heavy libraries load inside the verbs, so `rag --help` stays fast.
A `RagError` prints one line saying what to do and exits 1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before any Hugging Face import: never reach a hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# onnxruntime >= 1.29 uploads telemetry on Linux (1DS, mobile.events.data.microsoft.com) unless this
# is set before it initialises; the README promises none.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import typer  # noqa: E402

from rag.errors import RagError  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Ask a knowledge base questions, offline, with cited answers.")

Corpus = Annotated[Optional[Path], typer.Option(
    help="Folder of documents: .md, .txt, .html, .rst, .pdf, .docx, and any other text file as plain text "
         "[default: corpus]")]
IndexDir = Annotated[Optional[Path], typer.Option("--index", help="Index folder [default: index]")]
Embedder = Annotated[Optional[str], typer.Option(help="minilm, hashing, or a local model folder")]
Backend = Annotated[Optional[str], typer.Option(help="Embedder runtime: onnx-int8, onnx or torch")]
GeneratorOpt = Annotated[Optional[str], typer.Option("--generator", help="auto, extractive, transformers or openai")]
Model = Annotated[Optional[str], typer.Option(help="Local model folder (or id in the local HF cache)")]
LlmUrl = Annotated[Optional[str], typer.Option(help="OpenAI-compatible LLM server, e.g. http://127.0.0.1:8000/v1")]
LlmModel = Annotated[Optional[str], typer.Option(help="Model name on the LLM server [default: the first it lists]")]
LlmKey = Annotated[Optional[str], typer.Option(help="Bearer key for the LLM server (or RAG_LLM_API_KEY)")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object")]


def settings(**flags: Any):
    """The merged settings; also points the `kernels` package at the local gpt-oss kernel folder
    (LOCAL_KERNELS) before anything imports transformers, unless the user named one already."""
    from rag.answer.generators.mxfp4 import point_kernels_at
    from rag.settings import load

    loaded = load(flags)
    point_kernels_at(loaded.kernel_folder)
    return loaded


def fail(error: Exception) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


def progress_bar(label: str):
    """A progress callback (done, total) drawing a bar on stderr; rich ships with typer."""
    from rich.progress import Progress

    bar = Progress(transient=True, console=None)
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done)
        if done >= total:
            bar.stop()

    return update


def print_report(report, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=1))
        return
    verb = "would change" if report.dry_run else ("built" if report.wrote else "up to date")
    typer.echo(f"index {verb}: {len(report.added)} added, {len(report.changed)} changed, "
               f"{len(report.removed)} removed, {len(report.unchanged)} unchanged, "
               f"{len(report.skipped)} skipped; {report.chunks} chunks, {report.embedded} texts embedded, "
               f"{report.seconds:.2f} s" + (f" ({report.rebuild_reason})" if report.rebuild_reason else ""))
    for skip in report.skipped:
        typer.echo(f"  skipped {skip['path']}: {skip['reason']}")
    for plain in report.read_as_text:
        typer.echo(f"  read {plain['path']} as plain text, its structure could not be parsed: {plain['reason']}")


@app.command()
def index(corpus: Corpus = None, index_dir: IndexDir = None, embedder: Embedder = None,
          backend: Backend = None,
          rebuild: Annotated[bool, typer.Option(help="Re-embed everything")] = False,
          dry_run: Annotated[bool, typer.Option(help="Show the plan, write nothing")] = False,
          rollback: Annotated[bool, typer.Option(help="Serve the previous generation again")] = False,
          watch: Annotated[bool, typer.Option(help="Re-index whenever the corpus changes")] = False,
          as_json: JsonFlag = False) -> None:
    """Build or update the index; only changed files are re-embedded.

    Example: rag index --corpus corpus --index index
    """
    from rag.index import builder as indexing
    from rag.service import builder

    config = settings(corpus=corpus, index=index_dir, embedder=embedder, backend=backend)
    try:
        if rollback:
            typer.echo(f"now serving {indexing.rollback(config.index)}")
            return
        print_report(builder(config, None if as_json else progress_bar("embedding")).run(rebuild, dry_run), as_json)
        if watch:
            from rag.watch import watch_corpus

            watch_corpus(config, lambda report: print_report(report, as_json))
    except RagError as error:
        fail(error)


def plain_text(text: str) -> str:
    """Text as a user meant it: bytes that were not UTF-8 (Python keeps them as lone surrogates)
    become U+FFFD, control characters become spaces."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join(" " if (ord(c) < 32 and c not in "\n\t") or ord(c) == 127 else c for c in text)


def read_history(path: Path | None):
    """Earlier turns from a JSON list of {"role": "user"|"assistant", "content": "..."} (or plain
    strings, taken as user turns); anything else is refused with what the file should hold."""
    from rag.answer.generators.base import Turn

    if path is None:
        return ()
    shape = 'a JSON list of {"role": "user" or "assistant", "content": "text"}'
    try:
        turns = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RagError(f"--history {path}: not readable UTF-8 JSON ({exc}); it should hold {shape}") from exc
    if not isinstance(turns, list):
        raise RagError(f"--history {path}: holds a {type(turns).__name__}, not {shape}")
    read = []
    for number, turn in enumerate(turns, start=1):
        if isinstance(turn, str):
            turn = {"role": "user", "content": turn}
        content = turn.get("content", turn.get("text")) if isinstance(turn, dict) else None
        if not isinstance(content, str) or turn.get("role", "user") not in ("user", "assistant"):
            raise RagError(f"--history {path}: turn {number} is not {{\"role\": \"user\" or \"assistant\", "
                           f"\"content\": \"text\"}}")
        read.append(Turn(turn.get("role", "user"), plain_text(content)))
    return tuple(read)


@app.command()
def ask(question: Annotated[str, typer.Argument(help="The question")], corpus: Corpus = None,
        index_dir: IndexDir = None, embedder: Embedder = None, backend: Backend = None,
        generator: GeneratorOpt = None, model: Model = None, llm_url: LlmUrl = None,
        llm_model: LlmModel = None, llm_api_key: LlmKey = None,
        history: Annotated[Optional[Path], typer.Option(help="JSON list of earlier turns")] = None,
        as_json: JsonFlag = False) -> None:
    """Answer one question, streaming; every sentence cites a passage.

    Example: rag ask "Is ChatGPT open source?" --json
    """
    from rag.payload import answer_payload
    from rag.records import Done, Token
    from rag.service import assistant, ensure_index

    config = settings(corpus=corpus, index=index_dir, embedder=embedder, backend=backend,
                      generator=generator, model=model, llm_url=llm_url, llm_model=llm_model,
                      llm_api_key=llm_api_key)
    try:
        question = plain_text(question).strip()
        if not question:
            raise RagError("the question is empty: type one, e.g. rag ask \"Is ChatGPT open source?\"")
        turns = read_history(history)
        bot = assistant(config)
        ensure_index(config, embedder=bot.embedder)
        for event in bot.answer(question, turns):
            if isinstance(event, Token) and not as_json:
                typer.echo(event.text, nl=False)
            elif isinstance(event, Done):
                done = event.answer
    except RagError as error:
        fail(error)
    if as_json:
        typer.echo(json.dumps(answer_payload(done), ensure_ascii=False))
        return
    typer.echo("")
    for citation in done.citations:
        typer.echo(f"[{citation.label}] {citation.chunk.source} › {citation.chunk.section}")
    for claim in done.claims:
        typer.echo(f"{claim.marker} {claim.text}")


@app.command()
def serve(corpus: Corpus = None, index_dir: IndexDir = None, embedder: Embedder = None,
          backend: Backend = None, generator: GeneratorOpt = None, model: Model = None,
          llm_url: LlmUrl = None, llm_model: LlmModel = None, llm_api_key: LlmKey = None,
          api_key: Annotated[Optional[str], typer.Option(
              help="Require this bearer key on the HTTP API and the UI (RAG_API_KEY keeps it out of ps)")] = None,
          host: Annotated[Optional[str], typer.Option(help="Address to bind [default: 127.0.0.1]")] = None,
          port: Annotated[Optional[int], typer.Option(help="Port [default: 7860]")] = None) -> None:
    """Start the chat UI in the browser, and the OpenAI-compatible API (/v1/chat/completions) beside it.

    Example: rag serve --port 7860, then open http://127.0.0.1:7860
    """
    from rag.service import assistant, builder, ensure_index

    config = settings(corpus=corpus, index=index_dir, embedder=embedder, backend=backend,
                      generator=generator, model=model, host=host, port=port, llm_url=llm_url,
                      llm_model=llm_model, llm_api_key=llm_api_key, api_key=api_key)
    try:
        bot = assistant(config)
        ensure_index(config, progress_bar("embedding"), bot.embedder)
        bot.warm_up()
        from ui.app import launch

        # the Re-index button builds with the server's own embedder rather than loading a second
        launch(bot, config, run_build=lambda progress: builder(config, progress, bot.embedder).run())
    except RagError as error:
        fail(error)


@app.command(name="eval")
def evaluate(gold: Annotated[Path, typer.Option(help="Gold questions, JSON lines")],
             out: Annotated[Optional[Path], typer.Option(help="Write one JSON line per item")] = None,
             compare: Annotated[bool, typer.Option(help="Also compare dense, BM25 and hybrid retrieval")] = False,
             split: Annotated[Optional[str], typer.Option(
                 help="Score only the items of this split (train, heldout): tune on train")] = None,
             corpus: Corpus = None, index_dir: IndexDir = None, embedder: Embedder = None,
             backend: Backend = None, generator: GeneratorOpt = None, model: Model = None,
             llm_url: LlmUrl = None, llm_model: LlmModel = None, llm_api_key: LlmKey = None,
             as_json: JsonFlag = False) -> None:
    """Run gold questions through the same pipeline as `ask` and print the scores.

    Example: rag eval --gold eval/gold.jsonl --out /tmp/answers.jsonl
    """
    from rag.evaluate import evaluate as run_eval
    from rag.evaluate import format_summary
    from rag.service import assistant, ensure_index

    config = settings(corpus=corpus, index=index_dir, embedder=embedder, backend=backend,
                      generator=generator, model=model, llm_url=llm_url, llm_model=llm_model,
                      llm_api_key=llm_api_key)
    try:
        bot = assistant(config)
        ensure_index(config, embedder=bot.embedder)
        summary = run_eval(bot, gold, out, compare, split)
    except RagError as error:
        fail(error)
    typer.echo(json.dumps(summary, indent=1) if as_json else format_summary(summary))


@app.command()
def feedback(file: Annotated[Optional[Path], typer.Option("--feedback", help="Feedback file [default: feedback.jsonl]")] = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print the records as one JSON list")] = False) -> None:
    """List the answers users rated in the chat (latest vote per answer), to turn into eval cases.

    Example: rag feedback --json
    """
    from ui.feedback import read, summary_line

    path = settings(feedback=file).feedback
    items = read(path)
    if as_json:
        typer.echo(json.dumps(items, ensure_ascii=False, indent=1))
        return
    if not items:
        typer.echo(f"no feedback yet in {path}")
    for item in items:
        typer.echo(summary_line(item))


@app.command()
def doctor(model: Model = None,
           kernel_folder: Annotated[Optional[Path], typer.Option(
               help="gpt-oss MXFP4 kernel folder [default: models/kernels/gpt-oss-triton-kernels]")] = None,
           llm_url: LlmUrl = None, llm_api_key: LlmKey = None, as_json: JsonFlag = False) -> None:
    """Report torch/CUDA, GPU memory, whether gpt-oss runs in MXFP4 (and what is missing), the
    model's memory need against free GPU memory, the local model folders and the LLM server's models.

    Example: rag doctor --model models/gpt-oss-20b --json
    """
    from rag.doctor import llm_server, report, report_json

    config = settings(model=model, kernel_folder=kernel_folder, llm_url=llm_url, llm_api_key=llm_api_key)
    if as_json:
        found = report_json(config.model or None, Path("models"), config.kernel_folder)
        found["llm_server"] = llm_server(config.llm_url, config.llm_api_key)
        typer.echo(json.dumps(found, indent=1))
        return
    for name, finding in report(config.model or None, Path("models"), config.kernel_folder,
                                llm_url=config.llm_url, llm_api_key=config.llm_api_key):
        typer.echo(f"{name:>22}: {finding}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
