// A table wider than the page scrolls sideways inside Material's wrapper: let a keyboard reach
// it (axe-core: scrollable-region-focusable), and name the region for screen readers.
document$.subscribe(() => {
  for (const wrap of document.querySelectorAll(".md-typeset__scrollwrap")) {
    if (wrap.scrollWidth > wrap.clientWidth) {
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", "Table, scrolls sideways");
    }
  }
});
