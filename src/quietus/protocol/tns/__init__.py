"""Oracle Net (TNS) and TTC, server side, sans-IO (docs/design/oracle-net.md)."""
