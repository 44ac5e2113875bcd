# gp-lines: candidate 'type' (seed 3) — off8 values drawn as a bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
year = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
data = {
    'wind': [14, 10.8, 14.5, 18.1, 17.7, 22.7, 20.1, 27.8],
    'solar': [2.14, 6.03, 7.44, 8.39, 6.33, 9.38, 12.9, 15.7],
}
x = np.arange(len(year))
width = 0.8 / len(data)
for i, (name, values) in enumerate(data.items()):
    ax.bar(x + (i - (len(data) - 1) / 2) * width, values, width, label=name)
ax.set_xticks(x)
ax.set_xticklabels(year)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Electricity share (%)')
plt.tight_layout()
plt.show()
