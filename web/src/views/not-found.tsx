import { Link } from '../lib/router.js';
import { session } from '../lib/session.js';

export function NotFound() {
  return (
    <section className="not-found">
      <h1>Not found</h1>
      <p>
        There is nothing at <code>{window.location.pathname}</code>.
      </p>
      <p>
        <Link to={`/w/${encodeURIComponent(session.workspace())}`}>Back to the overview</Link>
      </p>
    </section>
  );
}
