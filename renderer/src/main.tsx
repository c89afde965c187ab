import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/index.js';
import { App } from './app.js';
import { viewFromHash } from './lib/views.js';
import { connectStore, createAppStore } from './store/index.js';
import { StoreProvider } from './store/provider.js';
import './styles/theme.css';
import './styles/app.css';

const api = createApiClient();
const store = createAppStore(api, viewFromHash(window.location.hash));
connectStore(store, api);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);

// The first date a page formats loads the browser's locale data (30-50 ms in Chromium). The Doctor, the view a page
// opens on, formats one as soon as its report arrives, and that was on the way to showing the report (issue 15): it
// is loaded while the page waits for the report instead.
requestIdleCallback(() => void new Date().toLocaleTimeString());
