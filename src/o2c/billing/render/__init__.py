"""Rendering of billing documents: invoice/credit memo PDF, UBL 2.1 (Peppol BIS Billing 3.0),
customer statements and dunning letters. Renderers only lay out values computed elsewhere."""
