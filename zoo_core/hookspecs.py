"""The hooks a zoo plugin can implement.

Each hook receives a ``register`` callback rather than returning objects, so the core (not
the plugin) checks names, records which package provided what and refuses duplicates.
Implementations may take fewer arguments than a spec lists, so hooks can grow without
breaking existing plugins.
"""

import pluggy

hookspec = pluggy.HookspecMarker("zoo")
hookimpl = pluggy.HookimplMarker("zoo")


@hookspec
def register_models(register):
    """Register Model plugins.

    Called once when the registry is first built.

    :param register: ``register(name, cls, *, variants=None, default_variant=None,
        aliases=(), summary=None)``. ``cls`` subclasses :class:`zoo_core.Model`;
        ``variants`` maps variant names to setting overrides, e.g.
        ``{"vae_2d": {}, "vae_4d": {"latent_dim": 4}}``; ``default_variant`` is what the
        bare ``name`` means.

    Example::

        @hookimpl
        def register_models(register):
            register("vae", ConvVAE, variants={"vae_2d": {}}, default_variant="vae_2d")
    """


@hookspec
def register_datasets(register):
    """Register Dataset plugins.

    :param register: ``register(name, cls, *, aliases=(), summary=None)``; ``cls``
        subclasses :class:`zoo_core.Dataset`.

    Example::

        @hookimpl
        def register_datasets(register):
            register("fashion_mnist", FashionMNIST)
    """


@hookspec
def register_visualizers(register):
    """Register Visualizer plugins.

    :param register: ``register(name, cls, *, aliases=(), summary=None)``; ``cls``
        subclasses :class:`zoo_core.Visualizer` and says which models it applies to.

    Example::

        @hookimpl
        def register_visualizers(register):
            register("manifold", Manifold)
    """


@hookspec
def register_metrics(register):
    """Register Metric plugins (what ``zoo eval`` measures).

    :param register: ``register(name, cls, *, aliases=(), summary=None)``; ``cls``
        subclasses :class:`zoo_core.Metric` and says what it needs (capabilities, labels,
        a feature extractor), so it is refused before any work when it does not fit.

    Example::

        @hookimpl
        def register_metrics(register):
            register("nll", NegativeLogLikelihood)
    """


@hookspec
def register_trackers(register):
    """Register trackers (:class:`zoo_core.tracking.Tracker` subclasses): where ``zoo run
    --track NAME`` logs a run besides its folder, e.g. ``register("mlflow", MLflowTracker)``."""


@hookspec
def register_commands(cli):
    """Add commands to the ``zoo`` command line.

    Called when the CLI starts, plugin by plugin: a plugin whose hook raises is recorded
    (``zoo plugins`` shows it) and the other plugins' commands still load.

    :param cli: the root :class:`click.Group`; add commands with ``@cli.command()``.
    """


@hookspec
def register_pretrained(register):
    """Register trained runs a package ships, usable wherever a run folder is:
    ``zoo sample pretrained:NAME``, ``zoo.pretrained("NAME")``.

    :param register: ``register(name, folder, *, summary=None)``; ``folder`` holds a run
        made by ``zoo pretrained pack`` (its ``pretrained.json`` records how it was trained
        and every file's SHA-256, checked each time it is opened).

    Example::

        @hookimpl
        def register_pretrained(register):
            register("my_gan", Path(__file__).parent / "pretrained" / "my_gan")
    """


@hookspec(firstresult=True)
def resolve_run(reference):
    """Turn a run reference with a scheme (``pretrained:dcgan``) into a run folder.

    Every command and API call that takes a run folder passes a ``SCHEME:NAME`` argument
    through this hook first; the first plugin that knows the scheme returns the folder
    (a path), the others return None. ``zoo_pretrained`` resolves ``pretrained:``.

    :param reference: the argument as the user gave it.
    """
