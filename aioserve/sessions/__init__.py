"""Sessions: a document per browser tab (or shared by name), its connections and lifetime."""
