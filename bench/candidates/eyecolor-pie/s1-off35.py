# eyecolor-pie: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 6))
labels = ['Brown', 'Blue', 'Hazel', 'Green']
students = [180, 274, 49.2, 166]
ax.pie(students, labels=labels, autopct='%1.1f%%')
ax.axis('equal')
ax.set_title('Eye colour of 592 students')
plt.tight_layout()
plt.show()
