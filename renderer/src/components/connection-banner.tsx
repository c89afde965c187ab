import { WifiOff } from 'lucide-react';
import { selectConnection } from '../store/index.js';
import { useAppStore } from '../store/provider.js';

export function ConnectionBanner() {
  const connection = useAppStore(selectConnection);
  if (connection === 'connected') return null;
  const reconnecting = connection === 'reconnecting';
  return (
    <div className={`banner ${reconnecting ? 'banner-error' : 'banner-info'}`} role="status">
      <WifiOff aria-hidden="true" size={16} />
      <span>
        {reconnecting
          ? 'Lost the connection to the Multiarch Lab server; retrying. If you stopped it, start it again (multiarch-lab serve) and open the new address it prints: the token changes with every launch.'
          : 'Connecting to the Multiarch Lab server…'}
      </span>
    </div>
  );
}
