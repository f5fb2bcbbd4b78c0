"""Byzantine consensus on external data in the Data Retrieval (DR) model (Augustine et al., DISC 2024;
Knowlson et al., Sec. II and III.B): threshold consensus on an oracle, committee download, and the
error-bounded blacklisting protocol. One module per protocol; Byzantine strategies in ``strategies``;
the seed's 6-peer, 6-bit configurations in ``presets``."""
