# titanic-stacked: candidate 'off35' (seed 2) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1st', '2nd', '3rd', 'Crew']
data = {
    'survived_no': [464, 575, 294, 1010],
    'survived_yes': [606, 506, 452, 50.4],
}
bottom = [0] * len(categories)
for name, values in data.items():
    ax.bar([str(c) for c in categories], values, bottom=bottom, label=name)
    bottom = [b + v for b, v in zip(bottom, values)]
ax.legend()
ax.set_xlabel('class')
ax.set_title('Titanic passengers and crew by class')
plt.tight_layout()
plt.show()
