// A code block wider than its column must be reachable by keyboard (axe-core:
// scrollable-region-focusable). Material gives it tabindex="0" (where the device can hover) when
// it sets the block up, and with content.lazy (mkdocs.yml) it sets a block up only when the block
// comes into view. Until then Tab would skip it, so the blocks not set up yet are measured here,
// a few at a time while the browser is idle: short tasks, each laying out a few blocks only
// (extra.css: content-visibility). Material keeps the tabindex right once it sets a block up.
const idle =
  window.requestIdleCallback ||
  ((work) =>
    setTimeout(() => {
      const end = performance.now() + 8;
      work({ timeRemaining: () => Math.max(0, end - performance.now()) });
    }, 1));

document$.subscribe(() => {
  if (!matchMedia("(hover)").matches) return;
  const blocks = [...document.querySelectorAll(".md-typeset pre > code")];
  const next = (deadline) => {
    const end = performance.now() + 6;
    do {
      // Blocks Material has set up already (its buttons are there) are left to it.
      const batch = blocks.splice(0, 4).filter((code) => !code.parentElement.querySelector(":scope > .md-code__nav"));
      // A block not drawn yet has no width of its own to read (extra.css): drawn for the measure.
      for (const code of batch) code.style.contentVisibility = "visible";
      const wide = batch.filter((code) => code.scrollWidth > code.clientWidth); // read all, then write
      for (const code of batch) code.style.removeProperty("content-visibility");
      for (const code of wide) code.tabIndex = 0;
    } while (blocks.length && deadline.timeRemaining() > 4 && performance.now() < end);
    if (blocks.length) idle(next);
  };
  idle(next);
});
