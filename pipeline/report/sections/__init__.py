"""The page's parts. Each part module has ``render(...) -> Fragment | None`` (None: nothing to show);
``classes.CLASS_PARTS`` lists the parts of a class's section in page order, so a new per-class view
(as ``effects``, the pooled effects and forest plots) is one module plus one entry there."""
