// AL Collector's byte worker loader (src/worker/mod.rs). The page sends the address of its
// own wasm-bindgen module and its compiled WebAssembly module; the same code then runs here,
// entered through al_byte_worker(), and verifies and zips downloads off the page's thread.
self.onmessage = async (event) => {
  self.onmessage = null;
  try {
    const [glue, module] = event.data;
    // Only the page's own module, from the page's own origin.
    if (new URL(glue).origin !== self.location.origin) throw new Error("module from another origin");
    const wasm = await import(glue);
    await wasm.default({ module_or_path: module });
    wasm.al_byte_worker();
  } catch (e) {
    // Report::Failed, as serde-wasm-bindgen spells it (src/worker/protocol.rs).
    self.postMessage([{ Failed: { reason: String((e && e.message) || e) } }, null]);
  }
};
