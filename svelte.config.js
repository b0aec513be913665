import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** Read by vite-plugin-svelte, svelte-check and eslint-plugin-svelte. */
export default {
  // Svelte 5 strips TypeScript types itself; vitePreprocess also handles TS-only syntax (enums) and
  // <style lang="..."> through Vite.
  preprocess: vitePreprocess(),
};
