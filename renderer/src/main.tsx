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
