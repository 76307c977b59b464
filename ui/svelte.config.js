import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Styles go to the CSS file, never into <style> elements at run time (strict CSP).
    css: 'external',
  },
};
