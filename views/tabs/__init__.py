"""The right panel's tabs (隐患整改, 专项整治, 安委会, 通报排名): UI factories from the read models.

Each `create_*_tab` takes the read model's document and returns Dash children; nothing here
reads the store. Dash and AG Grid render every data text as text.

One module per tab; the tab bar in bar, what they share in common."""
