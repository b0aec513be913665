/** Instants in checker messages read as run time: the page uses the same rewrite as the CLI. */
export { humanizeInstants } from '../../verify/instants';
