import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The UI is served by Tauri from ui/dist; nothing is loaded from a network.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: 'safari15',
    outDir: 'dist',
    emptyOutDir: true,
    // Keep CSS in files: the CSP allows no inline styles.
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
